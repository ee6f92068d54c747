package emulator

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfinv/cfinv/cfpath"
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
// tagging), and arbitrary IDs and markers to the reads, on both stores
// (a bbolt file in a temporary directory as well as Mem, so a limit of
// bbolt's cannot hide behind the in-memory store: cfinv issue 10), and
// checks the property "no 5xx for any input".
func FuzzHandler(f *testing.F) {
	const ops = 9
	for _, s := range fuzzSeeds {
		for op := range ops {
			f.Add(s, uint8(op))
		}
	}
	huge := strings.Repeat("r", store.MaxKeyBytes+1)
	f.Add(`<InvalidationBatch><CallerReference>`+huge+`</CallerReference><Paths><Quantity>1</Quantity><Items><Path>/a</Path></Items></Paths></InvalidationBatch>`, uint8(0))
	f.Add(strings.Replace(fuzzSeeds[7], "<CallerReference>c<", "<CallerReference>"+huge+"<", 1), uint8(1))
	f.Add(huge, uint8(6))
	f.Add(huge, uint8(7))
	f.Add("", uint8(8))

	bolt, err := store.OpenBolt(filepath.Join(f.TempDir(), "state.db"))
	if err != nil {
		f.Fatalf("OpenBolt: %v", err)
	}
	f.Cleanup(func() { _ = bolt.Close() })
	type target struct {
		name string
		h    http.Handler
		id   string
	}
	var targets []target
	for name, st := range map[string]store.Store{"mem": store.NewMem(), "bolt": bolt} {
		h := New(Options{Store: st}).Handler()
		// One distribution to aim at.
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/2020-05-31/distribution", strings.NewReader(fuzzSeeds[7])))
		if rec.Code != http.StatusCreated {
			f.Fatalf("seed distribution on %s: %d %s", name, rec.Code, rec.Body)
		}
		items, _, _ := st.ListDistributions(f.Context(), "", 1)
		targets = append(targets, target{name, h, items[0].ID})
	}
	f.Fuzz(func(t *testing.T, body string, op uint8) {
		for _, tg := range targets {
			id := tg.id
			var req *http.Request
			arn := "arn:aws:cloudfront::123456789012:distribution/" + id
			switch op % ops {
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
			case 5:
				req = httptest.NewRequest("POST", "/2020-05-31/distribution?WithTags", strings.NewReader(body))
			case 6:
				// The body is an ID the client names in the path.
				req = httptest.NewRequest("GET", "/2020-05-31/distribution/"+id+"/invalidation/"+url.PathEscape(body), nil)
			case 7:
				req = httptest.NewRequest("GET", "/2020-05-31/distribution/"+id+"/invalidation?Marker="+url.QueryEscape(body), nil)
			default:
				req = httptest.NewRequest("GET", "/2020-05-31/tagging?Resource="+url.QueryEscape(arn[:len(arn)-len(id)]+body), nil)
			}
			rec := httptest.NewRecorder()
			tg.h.ServeHTTP(rec, req)
			// 501 NotImplemented for a URL that names no implemented
			// operation (an empty ID segment, say) is the documented
			// answer, not a server fault.
			if rec.Code >= 500 && !(rec.Code == http.StatusNotImplemented && strings.Contains(rec.Body.String(), "<Code>NotImplemented</Code>")) {
				t.Fatalf("%s store, op %d: HTTP %d for body %q: %s", tg.name, op%ops, rec.Code, truncate(body, 200), rec.Body)
			}
		}
	})
}
