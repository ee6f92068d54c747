package emulator_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	kvs "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
	kvstypes "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/sigv4"
	"github.com/cfinv/cfinv/internal/store"
	"github.com/cfinv/cfinv/test/harness"
)

// kvsFixture is a fixture whose data plane checks SigV4A signatures of
// the key pair AKIDTEST/secret, with a real KeyValueStore SDK client.
type kvsFixture struct {
	*fixture
	data *kvs.Client
}

func newKVSFixture(t *testing.T, edit ...func(*emulator.Options)) *kvsFixture {
	t.Helper()
	auth := &sigv4.V4AVerifier{Service: "cloudfront-keyvaluestore",
		Lookup: func(id string) (string, bool) { return "secret", id == "AKIDTEST" }}
	f := newFixture(t, append([]func(*emulator.Options){func(o *emulator.Options) { o.KVSAuth = auth }}, edit...)...)
	return &kvsFixture{fixture: f, data: harness.KVS(f.srv.URL, "AKIDTEST", "secret")}
}

func (f *kvsFixture) createKVS(name string) *cloudfront.CreateKeyValueStoreOutput {
	f.t.Helper()
	out, err := f.cf.CreateKeyValueStore(f.t.Context(), &cloudfront.CreateKeyValueStoreInput{Name: aws.String(name), Comment: aws.String("redirects")})
	if err != nil {
		f.t.Fatalf("CreateKeyValueStore %s: %v", name, err)
	}
	return out
}

// The control plane through the real SDK: create, describe, list, update
// with If-Match, delete refused while a function associates the store
// (issue 26 item 1).
func TestKeyValueStoreControlPlane(t *testing.T) {
	f := newKVSFixture(t)
	ctx := t.Context()
	created := f.createKVS("redirects")
	st := created.KeyValueStore
	if !strings.HasPrefix(aws.ToString(st.ARN), "arn:aws:cloudfront::123456789012:key-value-store/") ||
		strings.TrimPrefix(aws.ToString(st.ARN), "arn:aws:cloudfront::123456789012:key-value-store/") != aws.ToString(st.Id) {
		t.Errorf("ARN = %q, Id = %q; want the account's key-value-store/ID", aws.ToString(st.ARN), aws.ToString(st.Id))
	}
	if aws.ToString(st.Status) != "READY" || aws.ToString(st.Name) != "redirects" || aws.ToString(created.ETag) == "" {
		t.Errorf("created %+v, ETag %q", st, aws.ToString(created.ETag))
	}

	_, err := f.cf.CreateKeyValueStore(ctx, &cloudfront.CreateKeyValueStoreInput{Name: aws.String("redirects")})
	wantAPIErr(t, err, "EntityAlreadyExists", 409)
	_, err = f.cf.CreateKeyValueStore(ctx, &cloudfront.CreateKeyValueStoreInput{Name: aws.String("bad name")})
	wantAPIErr(t, err, "InvalidArgument", 400)
	_, err = f.cf.CreateKeyValueStore(ctx, &cloudfront.CreateKeyValueStoreInput{Name: aws.String("imported"),
		ImportSource: &types.ImportSource{SourceType: types.ImportSourceTypeS3, SourceARN: aws.String("arn:aws:s3:::bucket/kvs.json")}})
	wantAPIErr(t, err, "UnsupportedOperation", 400)

	desc, err := f.cf.DescribeKeyValueStore(ctx, &cloudfront.DescribeKeyValueStoreInput{Name: aws.String("redirects")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(desc.ETag) != aws.ToString(created.ETag) || aws.ToString(desc.KeyValueStore.Id) != aws.ToString(st.Id) {
		t.Errorf("Describe = %+v, ETag %q; want the created store", desc.KeyValueStore, aws.ToString(desc.ETag))
	}
	_, err = f.cf.DescribeKeyValueStore(ctx, &cloudfront.DescribeKeyValueStoreInput{Name: aws.String("nope")})
	wantAPIErr(t, err, "EntityNotFound", 404)

	f.createKVS("second")
	list, err := f.cf.ListKeyValueStores(ctx, &cloudfront.ListKeyValueStoresInput{MaxItems: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if l := list.KeyValueStoreList; aws.ToInt32(l.Quantity) != 1 || aws.ToString(l.NextMarker) == "" || aws.ToString(l.Items[0].Name) != "redirects" {
		t.Fatalf("first page = %+v", l)
	}
	list, err = f.cf.ListKeyValueStores(ctx, &cloudfront.ListKeyValueStoresInput{Marker: list.KeyValueStoreList.NextMarker})
	if err != nil {
		t.Fatal(err)
	}
	if l := list.KeyValueStoreList; aws.ToInt32(l.Quantity) != 1 || l.NextMarker != nil || aws.ToString(l.Items[0].Name) != "second" {
		t.Fatalf("second page = %+v", l)
	}

	_, err = f.cf.UpdateKeyValueStore(ctx, &cloudfront.UpdateKeyValueStoreInput{Name: aws.String("redirects"), Comment: aws.String("x"), IfMatch: aws.String("EWRONG")})
	wantAPIErr(t, err, "PreconditionFailed", 412)
	upd, err := f.cf.UpdateKeyValueStore(ctx, &cloudfront.UpdateKeyValueStoreInput{Name: aws.String("redirects"), Comment: aws.String("new comment"), IfMatch: created.ETag})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(upd.KeyValueStore.Comment) != "new comment" || aws.ToString(upd.ETag) == aws.ToString(created.ETag) {
		t.Errorf("Update = %+v, ETag %q; want the new comment and a new ETag", upd.KeyValueStore, aws.ToString(upd.ETag))
	}

	// A function associating the store holds it.
	fn, err := f.cf.CreateFunction(ctx, &cloudfront.CreateFunctionInput{
		Name: aws.String("redirect"), FunctionCode: []byte(kvsRedirect),
		FunctionConfig: &types.FunctionConfig{Comment: aws.String(""), Runtime: types.FunctionRuntimeCloudfrontJs20,
			KeyValueStoreAssociations: &types.KeyValueStoreAssociations{Quantity: aws.Int32(1),
				Items: []types.KeyValueStoreAssociation{{KeyValueStoreARN: st.ARN}}}},
	})
	if err != nil {
		t.Fatalf("CreateFunction with the store: %v", err)
	}
	_, err = f.cf.DeleteKeyValueStore(ctx, &cloudfront.DeleteKeyValueStoreInput{Name: aws.String("redirects"), IfMatch: upd.ETag})
	wantAPIErr(t, err, "CannotDeleteEntityWhileInUse", 409)
	if _, err := f.cf.DeleteFunction(ctx, &cloudfront.DeleteFunctionInput{Name: aws.String("redirect"), IfMatch: fn.ETag}); err != nil {
		t.Fatal(err)
	}
	_, err = f.cf.DeleteKeyValueStore(ctx, &cloudfront.DeleteKeyValueStoreInput{Name: aws.String("redirects"), IfMatch: created.ETag})
	wantAPIErr(t, err, "PreconditionFailed", 412)
	if _, err := f.cf.DeleteKeyValueStore(ctx, &cloudfront.DeleteKeyValueStoreInput{Name: aws.String("redirects"), IfMatch: upd.ETag}); err != nil {
		t.Fatalf("DeleteKeyValueStore: %v", err)
	}
	_, err = f.cf.DescribeKeyValueStore(ctx, &cloudfront.DescribeKeyValueStoreInput{Name: aws.String("redirects")})
	wantAPIErr(t, err, "EntityNotFound", 404)
}

// A function's associations must name existing stores, one at most.
func TestFunctionKVSAssociation(t *testing.T) {
	f := newKVSFixture(t)
	a := f.createKVS("a").KeyValueStore.ARN
	b := f.createKVS("b").KeyValueStore.ARN
	tests := []struct {
		name string
		arns []*string
		code string
	}{
		{name: "unknown store", arns: []*string{aws.String("arn:aws:cloudfront::123456789012:key-value-store/0000")}, code: "EntityNotFound"},
		{name: "another account", arns: []*string{aws.String("arn:aws:cloudfront::999999999999:key-value-store/0000")}, code: "InvalidArgument"},
		{name: "two stores", arns: []*string{a, b}, code: "InvalidArgument"},
		{name: "one store", arns: []*string{a}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var items []types.KeyValueStoreAssociation
			for _, arn := range tt.arns {
				items = append(items, types.KeyValueStoreAssociation{KeyValueStoreARN: arn})
			}
			_, err := f.cf.CreateFunction(t.Context(), &cloudfront.CreateFunctionInput{
				Name: aws.String("fn" + itoa(int64(i))), FunctionCode: []byte(kvsRedirect),
				FunctionConfig: &types.FunctionConfig{Comment: aws.String(""), Runtime: types.FunctionRuntimeCloudfrontJs20,
					KeyValueStoreAssociations: &types.KeyValueStoreAssociations{Quantity: aws.Int32(int32(len(items))), Items: items}},
			})
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if code, _ := apiErr(t, err); code != tt.code {
				t.Fatalf("got %v, want %s", err, tt.code)
			}
		})
	}
}

// kvsRedirect redirects a URI the store names, and passes others.
const kvsRedirect = `import cf from 'cloudfront';
const kvs = cf.kvs();
async function handler(event) {
    const request = event.request;
    try {
        const to = await kvs.get(request.uri);
        return {statusCode: 302, statusDescription: 'Found', headers: {location: {value: to}}};
    } catch (e) {
        return request;
    }
}`

// The data plane through the real KeyValueStore SDK client, signed with
// SigV4A: ETags and If-Match, paging, batch updates, limits (issue 26
// item 2).
func TestKeyValueStoreDataPlane(t *testing.T) {
	f := newKVSFixture(t)
	ctx := t.Context()
	arn := f.createKVS("redirects").KeyValueStore.ARN

	desc, err := f.data.DescribeKeyValueStore(ctx, &kvs.DescribeKeyValueStoreInput{KvsARN: arn})
	if err != nil {
		t.Fatalf("DescribeKeyValueStore: %v", err)
	}
	if aws.ToInt32(desc.ItemCount) != 0 || aws.ToString(desc.KvsARN) != aws.ToString(arn) || aws.ToString(desc.ETag) == "" || desc.Created == nil {
		t.Fatalf("Describe = %+v", desc)
	}
	etag := desc.ETag

	_, err = f.data.PutKey(ctx, &kvs.PutKeyInput{KvsARN: arn, Key: aws.String("/old"), Value: aws.String("/new"), IfMatch: aws.String("EWRONG")})
	wantAPIErr(t, err, "ConflictException", 409)
	put, err := f.data.PutKey(ctx, &kvs.PutKeyInput{KvsARN: arn, Key: aws.String("/old"), Value: aws.String("/new"), IfMatch: etag})
	if err != nil {
		t.Fatalf("PutKey: %v", err)
	}
	if aws.ToInt32(put.ItemCount) != 1 || aws.ToInt64(put.TotalSizeInBytes) != int64(len("/old/new")) || aws.ToString(put.ETag) == aws.ToString(etag) {
		t.Errorf("PutKey = %+v", put)
	}
	// The old ETag is stale now.
	_, err = f.data.PutKey(ctx, &kvs.PutKeyInput{KvsARN: arn, Key: aws.String("k"), Value: aws.String("v"), IfMatch: etag})
	wantAPIErr(t, err, "ConflictException", 409)

	got, err := f.data.GetKey(ctx, &kvs.GetKeyInput{KvsARN: arn, Key: aws.String("/old")})
	if err != nil {
		t.Fatalf("GetKey: %v", err)
	}
	if aws.ToString(got.Value) != "/new" || aws.ToString(got.Key) != "/old" {
		t.Errorf("GetKey = %+v", got)
	}
	_, err = f.data.GetKey(ctx, &kvs.GetKeyInput{KvsARN: arn, Key: aws.String("/missing")})
	wantAPIErr(t, err, "ResourceNotFoundException", 404)

	var puts []kvstypes.PutKeyRequestListItem
	for i := range 7 {
		puts = append(puts, kvstypes.PutKeyRequestListItem{Key: aws.String("k" + itoa(int64(i))), Value: aws.String("v" + itoa(int64(i)))})
	}
	upd, err := f.data.UpdateKeys(ctx, &kvs.UpdateKeysInput{KvsARN: arn, IfMatch: put.ETag, Puts: puts,
		Deletes: []kvstypes.DeleteKeyRequestListItem{{Key: aws.String("/old")}}})
	if err != nil {
		t.Fatalf("UpdateKeys: %v", err)
	}
	if aws.ToInt32(upd.ItemCount) != 7 {
		t.Errorf("UpdateKeys ItemCount = %d, want 7", aws.ToInt32(upd.ItemCount))
	}

	var keys []string
	pager := kvs.NewListKeysPaginator(f.data, &kvs.ListKeysInput{KvsARN: arn, MaxResults: aws.Int32(3)})
	pages := 0
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListKeys: %v", err)
		}
		pages++
		for _, it := range page.Items {
			keys = append(keys, aws.ToString(it.Key)+"="+aws.ToString(it.Value))
		}
	}
	if diff := cmp.Diff([]string{"k0=v0", "k1=v1", "k2=v2", "k3=v3", "k4=v4", "k5=v5", "k6=v6"}, keys); diff != "" || pages != 3 {
		t.Errorf("ListKeys in %d pages (want 3), keys (-want +got):\n%s", pages, diff)
	}

	del, err := f.data.DeleteKey(ctx, &kvs.DeleteKeyInput{KvsARN: arn, Key: aws.String("k0"), IfMatch: upd.ETag})
	if err != nil {
		t.Fatalf("DeleteKey: %v", err)
	}
	if aws.ToInt32(del.ItemCount) != 6 {
		t.Errorf("DeleteKey ItemCount = %d, want 6", aws.ToInt32(del.ItemCount))
	}

	// Limits: each refused write leaves the store as it was.
	big := strings.Repeat("x", 1025)
	tests := []struct {
		name   string
		call   func(etag *string) error
		code   string
		status int
	}{
		{name: "value over 1 KB", code: "ValidationException", status: 400, call: func(e *string) error {
			_, err := f.data.PutKey(ctx, &kvs.PutKeyInput{KvsARN: arn, Key: aws.String("big"), Value: aws.String(big), IfMatch: e})
			return err
		}},
		{name: "key over 512 bytes", code: "ValidationException", status: 400, call: func(e *string) error {
			_, err := f.data.UpdateKeys(ctx, &kvs.UpdateKeysInput{KvsARN: arn, IfMatch: e,
				Puts: []kvstypes.PutKeyRequestListItem{{Key: aws.String(strings.Repeat("k", 513)), Value: aws.String("v")}}})
			return err
		}},
		{name: "more than 50 updates", code: "ValidationException", status: 400, call: func(e *string) error {
			var puts []kvstypes.PutKeyRequestListItem
			for i := range 51 {
				puts = append(puts, kvstypes.PutKeyRequestListItem{Key: aws.String("n" + itoa(int64(i))), Value: aws.String("v")})
			}
			_, err := f.data.UpdateKeys(ctx, &kvs.UpdateKeysInput{KvsARN: arn, IfMatch: e, Puts: puts})
			return err
		}},
		{name: "unknown store", code: "ResourceNotFoundException", status: 404, call: func(e *string) error {
			_, err := f.data.PutKey(ctx, &kvs.PutKeyInput{KvsARN: aws.String("arn:aws:cloudfront::123456789012:key-value-store/0000"),
				Key: aws.String("k"), Value: aws.String("v"), IfMatch: e})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantAPIErr(t, tt.call(del.ETag), tt.code, tt.status)
			after, err := f.data.DescribeKeyValueStore(ctx, &kvs.DescribeKeyValueStoreInput{KvsARN: arn})
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(after.ETag) != aws.ToString(del.ETag) || aws.ToInt32(after.ItemCount) != 6 {
				t.Errorf("after the refused write: ETag %s, %d items; want %s, 6", aws.ToString(after.ETag), aws.ToInt32(after.ItemCount), aws.ToString(del.ETag))
			}
		})
	}
}

// importFile is a KeyValueStore import file of n keys ("%08d") with
// values of size bytes.
func importFile(n, size int) []byte {
	var b strings.Builder
	b.WriteString(`{"data":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"key":"%08d","value":"%s"}`, i, strings.Repeat("v", size))
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// CreateKeyValueStore's ImportSource reads a JSON file of the local S3,
// and refuses what CloudFront refuses.
func TestKeyValueStoreImport(t *testing.T) {
	files := map[string][]byte{
		"ok.json":    []byte(`{"data":[{"key":"/a","value":"/b"},{"key":"/c","value":"/d"}]}`),
		"dup.json":   []byte(`{"data":[{"key":"/a","value":"/b"},{"key":"/a","value":"/d"}]}`),
		"bad.json":   []byte(`{"data":[`),
		"big.json":   []byte(`{"data":[{"key":"k","value":"` + strings.Repeat("v", 1025) + `"}]}`),
		"large.json": importFile(5000, 1024),
	}
	f := newKVSFixture(t, func(o *emulator.Options) {
		o.ImportObject = func(bucket, key string, max int64) ([]byte, error) {
			if b, ok := files[key]; ok && bucket == "site" {
				return b, nil
			}
			return nil, errors.New("NoSuchKey")
		}
	})
	tests := []struct {
		name, key, code string
		items           int32
	}{
		{name: "two keys", key: "ok.json", items: 2},
		{name: "a key twice", key: "dup.json", code: "InvalidArgument"},
		{name: "not JSON", key: "bad.json", code: "InvalidArgument"},
		{name: "value over 1 KB", key: "big.json", code: "InvalidArgument"},
		{name: "file over 5 MB", key: "large.json", code: "EntitySizeLimitExceeded"},
		{name: "no such object", key: "missing.json", code: "InvalidArgument"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := f.cf.CreateKeyValueStore(t.Context(), &cloudfront.CreateKeyValueStoreInput{Name: aws.String("imported" + itoa(int64(i))),
				ImportSource: &types.ImportSource{SourceType: types.ImportSourceTypeS3, SourceARN: aws.String("arn:aws:s3:::site/" + tt.key)}})
			if tt.code != "" {
				if code, _ := apiErr(t, err); code != tt.code {
					t.Fatalf("got %v, want %s", err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			desc, err := f.data.DescribeKeyValueStore(t.Context(), &kvs.DescribeKeyValueStoreInput{KvsARN: out.KeyValueStore.ARN})
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToInt32(desc.ItemCount) != tt.items {
				t.Errorf("ItemCount = %d, want %d", aws.ToInt32(desc.ItemCount), tt.items)
			}
		})
	}
}

// The total size quota: 5 MiB of keys and values, past which a write is
// refused with ServiceQuotaExceededException (402) and nothing is
// written.
func TestKeyValueStoreTotalSize(t *testing.T) {
	// 4,900 keys of 8 bytes with 1,024-byte values: 5,056,800 bytes, in a
	// file of 5,203,800 bytes (under the 5 MB file limit).
	file := importFile(4900, 1024)
	f := newKVSFixture(t, func(o *emulator.Options) {
		o.ImportObject = func(string, string, int64) ([]byte, error) { return file, nil }
	})
	ctx := t.Context()
	created, err := f.cf.CreateKeyValueStore(ctx, &cloudfront.CreateKeyValueStoreInput{Name: aws.String("full"),
		ImportSource: &types.ImportSource{SourceType: types.ImportSourceTypeS3, SourceARN: aws.String("arn:aws:s3:::site/full.json")}})
	if err != nil {
		t.Fatal(err)
	}
	arn := created.KeyValueStore.ARN
	desc, err := f.data.DescribeKeyValueStore(ctx, &kvs.DescribeKeyValueStoreInput{KvsARN: arn})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToInt64(desc.TotalSizeInBytes); got != 5_056_800 {
		t.Fatalf("TotalSizeInBytes = %d after the import, want 5056800", got)
	}
	etag := desc.ETag
	value := strings.Repeat("w", 1024)
	// 50 new keys a batch add 51,600 bytes: the 4th batch would pass
	// 5,242,880.
	var lastErr error
	batches := 0
	for i := 0; lastErr == nil && i < 10; i++ {
		var puts []kvstypes.PutKeyRequestListItem
		for j := range 50 {
			puts = append(puts, kvstypes.PutKeyRequestListItem{Key: aws.String(fmt.Sprintf("n%07d", i*50+j)), Value: aws.String(value)})
		}
		out, err := f.data.UpdateKeys(ctx, &kvs.UpdateKeysInput{KvsARN: arn, IfMatch: etag, Puts: puts})
		if err != nil {
			lastErr = err
			break
		}
		etag, batches = out.ETag, batches+1
	}
	wantAPIErr(t, lastErr, "ServiceQuotaExceededException", 402)
	if batches != 3 {
		t.Errorf("%d batches were accepted, want 3", batches)
	}
	after, err := f.data.DescribeKeyValueStore(ctx, &kvs.DescribeKeyValueStoreInput{KvsARN: arn})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToInt64(after.TotalSizeInBytes); got != 5_211_600 || aws.ToString(after.ETag) != aws.ToString(etag) {
		t.Errorf("after the refused batch: %d bytes, ETag %s; want 5211600, %s", got, aws.ToString(after.ETag), aws.ToString(etag))
	}
}

// Bad SigV4A signatures are refused as AWS refuses them: a wrong secret,
// an unknown key, a SigV4 (not SigV4A) signature, no signature.
func TestKeyValueStoreSignatures(t *testing.T) {
	f := newKVSFixture(t)
	arn := f.createKVS("signed").KeyValueStore.ARN
	tests := []struct {
		name   string
		client *kvs.Client
		raw    func() (*http.Response, string)
		code   string
	}{
		{name: "wrong secret", client: harness.KVS(f.srv.URL, "AKIDTEST", "not-the-secret"), code: "InvalidSignatureException"},
		{name: "unknown key", client: harness.KVS(f.srv.URL, "AKIDOTHER", "secret"), code: "UnrecognizedClientException"},
		{name: "unsigned", raw: func() (*http.Response, string) {
			return f.do("GET", "/key-value-stores/"+escapeARN(aws.ToString(arn)), nil)
		}, code: "MissingAuthenticationTokenException"},
		{name: "SigV4 instead of SigV4A", raw: func() (*http.Response, string) {
			return f.do("GET", "/key-value-stores/"+escapeARN(aws.ToString(arn)), nil, "Authorization",
				"AWS4-HMAC-SHA256 Credential=AKIDTEST/20261122/us-east-1/cloudfront-keyvaluestore/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", "X-Amz-Date", "20261122T135253Z")
		}, code: "IncompleteSignatureException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.client != nil {
				_, err := tt.client.DescribeKeyValueStore(t.Context(), &kvs.DescribeKeyValueStoreInput{KvsARN: arn})
				wantAPIErr(t, err, tt.code, 403)
				return
			}
			resp, body := tt.raw()
			if resp.StatusCode != 403 || resp.Header.Get("X-Amzn-ErrorType") != tt.code {
				t.Fatalf("got HTTP %d %s %s, want 403 %s", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), body, tt.code)
			}
		})
	}
}

// A body changed after signing is refused: the signature covers the
// payload hash.
func TestKeyValueStoreTamperedBody(t *testing.T) {
	f := newKVSFixture(t)
	arn := f.createKVS("tamper").KeyValueStore.ARN
	desc, err := f.data.DescribeKeyValueStore(t.Context(), &kvs.DescribeKeyValueStoreInput{KvsARN: arn})
	if err != nil {
		t.Fatal(err)
	}
	client := harness.KVSWith(f.srv.URL, "AKIDTEST", "secret", &tamperingClient{next: harness.KVSHTTPClient(f.srv.URL)})
	_, err = client.PutKey(t.Context(), &kvs.PutKeyInput{KvsARN: arn, Key: aws.String("k"), Value: aws.String("honest"), IfMatch: desc.ETag})
	if code, status := apiErr(t, err); status != 403 && status != 400 {
		t.Fatalf("tampered body: got %s (HTTP %d), want a refusal", code, status)
	}
	got, err := f.data.GetKey(t.Context(), &kvs.GetKeyInput{KvsARN: arn, Key: aws.String("k")})
	if err == nil {
		t.Fatalf("the tampered write was stored: %s", aws.ToString(got.Value))
	}
}

func escapeARN(arn string) string {
	return strings.NewReplacer(":", "%3A", "/", "%2F").Replace(arn)
}

// tamperingClient sends each request with "honest" replaced by "forged"
// in its body, after the SDK signed it.
type tamperingClient struct {
	next *http.Client
}

func (c *tamperingClient) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		forged := strings.ReplaceAll(string(b), "honest", "forged")
		r.Body = io.NopCloser(strings.NewReader(forged))
		r.ContentLength = int64(len(forged))
	}
	return c.next.Do(r)
}

// Concurrent writes with the same If-Match: exactly one wins, the others
// get ConflictException, and every read after agrees with the winner.
func TestKeyValueStoreConcurrentWrites(t *testing.T) {
	f := newKVSFixture(t)
	ctx := t.Context()
	arn := f.createKVS("race").KeyValueStore.ARN
	desc, err := f.data.DescribeKeyValueStore(ctx, &kvs.DescribeKeyValueStoreInput{KvsARN: arn})
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	type result struct {
		value string
		etag  string
		err   error
	}
	results := make(chan result, n)
	for i := range n {
		go func() {
			v := "v" + itoa(int64(i))
			out, err := f.data.PutKey(ctx, &kvs.PutKeyInput{KvsARN: arn, Key: aws.String("k"), Value: aws.String(v), IfMatch: desc.ETag})
			if err != nil {
				results <- result{err: err}
				return
			}
			results <- result{value: v, etag: aws.ToString(out.ETag)}
		}()
	}
	var winners []result
	for range n {
		r := <-results
		if r.err != nil {
			if code, _ := apiErr(t, r.err); code != "ConflictException" {
				t.Errorf("a losing write got %v, want ConflictException", r.err)
			}
			continue
		}
		winners = append(winners, r)
	}
	if len(winners) != 1 {
		t.Fatalf("%d writes won, want 1", len(winners))
	}
	got, err := f.data.GetKey(ctx, &kvs.GetKeyInput{KvsARN: arn, Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	after, err := f.data.DescribeKeyValueStore(ctx, &kvs.DescribeKeyValueStoreInput{KvsARN: arn})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Value) != winners[0].value || aws.ToString(after.ETag) != winners[0].etag {
		t.Errorf("GetKey = %q, ETag %s; want the winner's %q, %s", aws.ToString(got.Value), aws.ToString(after.ETag), winners[0].value, winners[0].etag)
	}
}

// Keys survive a restart on the same bbolt file: a write is acknowledged
// once it is in the store, like every other write.
func TestKeyValueStoreRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	auth := &sigv4.V4AVerifier{Service: "cloudfront-keyvaluestore", Lookup: func(id string) (string, bool) { return "secret", id == "AKIDTEST" }}
	run := func(fn func(cf *cloudfront.Client, data *kvs.Client)) {
		st, err := store.OpenBolt(path)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(emulator.New(emulator.Options{Store: st, KVSAuth: auth}).Handler())
		defer func() { srv.Close(); _ = st.Close() }()
		fn(newClient(srv), harness.KVS(srv.URL, "AKIDTEST", "secret"))
	}
	var arn *string
	run(func(cf *cloudfront.Client, data *kvs.Client) {
		out, err := cf.CreateKeyValueStore(t.Context(), &cloudfront.CreateKeyValueStoreInput{Name: aws.String("kept")})
		if err != nil {
			t.Fatal(err)
		}
		arn = out.KeyValueStore.ARN
		desc, err := data.DescribeKeyValueStore(t.Context(), &kvs.DescribeKeyValueStoreInput{KvsARN: arn})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := data.PutKey(t.Context(), &kvs.PutKeyInput{KvsARN: arn, Key: aws.String("k"), Value: aws.String("kept value"), IfMatch: desc.ETag}); err != nil {
			t.Fatal(err)
		}
	})
	run(func(_ *cloudfront.Client, data *kvs.Client) {
		got, err := data.GetKey(t.Context(), &kvs.GetKeyInput{KvsARN: arn, Key: aws.String("k")})
		if err != nil {
			t.Fatalf("GetKey after the restart: %v", err)
		}
		if aws.ToString(got.Value) != "kept value" {
			t.Errorf("GetKey after the restart = %q, want %q", aws.ToString(got.Value), "kept value")
		}
	})
}

// 60 concurrent CreateKeyValueStore against the quota of 50: exactly 50
// are created and 10 get EntityLimitExceeded (count and create under one
// lock).
func TestKeyValueStoreQuotaConcurrent(t *testing.T) {
	f := newKVSFixture(t, withBolt(t))
	const n = 60
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, err := f.cf.CreateKeyValueStore(t.Context(), &cloudfront.CreateKeyValueStoreInput{Name: aws.String("s" + itoa(int64(i)))})
			errs <- err
		}()
	}
	created, refused := 0, 0
	for range n {
		err := <-errs
		if err == nil {
			created++
			continue
		}
		if code, _ := apiErr(t, err); code != "EntityLimitExceeded" {
			t.Errorf("got %v, want EntityLimitExceeded", err)
		}
		refused++
	}
	if created != 50 || refused != 10 {
		t.Errorf("%d created, %d refused; want 50, 10", created, refused)
	}
}
