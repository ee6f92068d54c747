package emulator

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cfinv/cfinv/internal/cfpath"
	"github.com/cfinv/cfinv/internal/store"
)

var fuzzSeeds = []string{
	"",
	"<InvalidationBatch><oops",
	`<InvalidationBatch xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><CallerReference>r</CallerReference><Paths><Quantity>2</Quantity><Items><Path>/index.html</Path><Path>/img/*</Path></Items></Paths></InvalidationBatch>`,
	`<InvalidationBatch><Paths><Items><Path>/x</Path></Items><Quantity>1</Quantity></Paths><CallerReference>o</CallerReference></InvalidationBatch>`,
	`<InvalidationBatch><CallerReference>r</CallerReference><Paths><Quantity>-1</Quantity></Paths></InvalidationBatch>`,
	`<InvalidationBatch><CallerReference>r</CallerReference><Paths><Quantity>1</Quantity><Items><Path><Path/></Path></Items></Paths></InvalidationBatch>`,
	`<!DOCTYPE x><InvalidationBatch/>`,
	`<DistributionConfig><CallerReference>c</CallerReference><Origins><Quantity>1</Quantity><Items><Origin><Id>o</Id><DomainName>x</DomainName></Origin></Items></Origins><DefaultCacheBehavior><TargetOriginId>o</TargetOriginId><ViewerProtocolPolicy>allow-all</ViewerProtocolPolicy></DefaultCacheBehavior><Comment/><Enabled>true</Enabled></DistributionConfig>`,
	`<Tags><Items><Tag><Key>Env</Key><Value>prod</Value></Tag><Tag><Key>aws:x</Key></Tag></Items></Tags>`,
	`<TagKeys><Items><Key>Env</Key><Key></Key></Items></TagKeys>`,
	`<DistributionConfigWithTags><Tags><Items><Tag><Key>k</Key></Tag></Items></Tags></DistributionConfigWithTags>`,
}

// FuzzDecodeInvalidationBatch checks that any body gives either a batch
// that passes every rule or an API error, never a panic.
func FuzzDecodeInvalidationBatch(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		b, aerr := decodeInvalidationBatch(body)
		if aerr != nil {
			if b != nil || aerr.Status < 400 || aerr.Status >= 500 {
				t.Fatalf("error %v with batch %v / status %d", aerr, b, aerr.Status)
			}
			return
		}
		if b.CallerReference == "" || len(b.Paths) == 0 || len(b.Paths) > cfpath.MaxBatchPaths {
			t.Fatalf("accepted invalid batch %+v", b)
		}
		for _, p := range b.Paths {
			if err := cfpath.Validate(p); err != nil {
				t.Fatalf("accepted invalid path %q: %v", p, err)
			}
		}
	})
}

// FuzzHandler feeds arbitrary bodies to every write operation (including
// tagging) and checks the server never answers 5xx.
func FuzzHandler(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, uint8(0))
		f.Add(s, uint8(1))
		f.Add(s, uint8(2))
		f.Add(s, uint8(3))
		f.Add(s, uint8(4))
		f.Add(s, uint8(5))
	}
	st := store.NewMem()
	srv := New(Options{Store: st})
	h := srv.Handler()
	// One distribution to aim at.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/2020-05-31/distribution", strings.NewReader(fuzzSeeds[7])))
	if rec.Code != http.StatusCreated {
		f.Fatalf("seed distribution: %d %s", rec.Code, rec.Body)
	}
	items, _, _ := st.ListDistributions(f.Context(), "", 1)
	id := items[0].ID
	f.Fuzz(func(t *testing.T, body string, op uint8) {
		var req *http.Request
		arn := "arn:aws:cloudfront::123456789012:distribution/" + id
		switch op % 6 {
		case 0:
			req = httptest.NewRequest("POST", "/2020-05-31/distribution/"+id+"/invalidation", strings.NewReader(body))
		case 1:
			req = httptest.NewRequest("POST", "/2020-05-31/distribution", strings.NewReader(body))
		case 2:
			req = httptest.NewRequest("PUT", "/2020-05-31/distribution/"+id+"/config", strings.NewReader(body))
			req.Header.Set("If-Match", "stale")
		case 3:
			req = httptest.NewRequest("POST", "/2020-05-31/tagging?Operation=Tag&Resource="+arn, strings.NewReader(body))
		case 4:
			req = httptest.NewRequest("POST", "/2020-05-31/tagging?Operation=Untag&Resource="+arn, strings.NewReader(body))
		default:
			req = httptest.NewRequest("POST", "/2020-05-31/distribution?WithTags", strings.NewReader(body))
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("op %d: HTTP %d for body %q: %s", op%6, rec.Code, body, rec.Body)
		}
	})
}
