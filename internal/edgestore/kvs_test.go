package edgestore_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/internal/cffunc"
	"github.com/cfinv/cfinv/internal/edgecache"
	"github.com/cfinv/cfinv/internal/edgestore"
	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/store"
	"github.com/cfinv/cfinv/test/harness"
)

// The functions of a listing carry the key value stores they associate:
// read from the store by Distributions, and through the given KVSFunc by
// DistributionsReading (serve passes the API's decoded copies, so the
// edge's refresh after each API write does not decode a 5 MB store
// again: the first edge request after a write took 264-275 ms with such
// a store, 14-16 ms through the API's copy).
func TestFunctionsCarryKeyValueStores(t *testing.T) {
	st := store.NewMem()
	api := emulator.New(emulator.Options{Store: st})
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	cf := harness.SDK(srv.URL, harness.HTTPClient(srv.Client()))
	ctx := t.Context()
	kv, err := cf.CreateKeyValueStore(ctx, &cloudfront.CreateKeyValueStoreInput{Name: aws.String("table")})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(kv.KeyValueStore.Id)
	fn, err := cf.CreateFunction(ctx, &cloudfront.CreateFunctionInput{Name: aws.String("f"),
		FunctionCode: []byte("import cf from 'cloudfront';\nfunction handler(e) { return e.request; }"),
		FunctionConfig: &types.FunctionConfig{Comment: aws.String(""), Runtime: types.FunctionRuntimeCloudfrontJs20,
			KeyValueStoreAssociations: &types.KeyValueStoreAssociations{Quantity: aws.Int32(1),
				Items: []types.KeyValueStoreAssociation{{KeyValueStoreARN: kv.KeyValueStore.ARN}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cf.PublishFunction(ctx, &cloudfront.PublishFunctionInput{Name: aws.String("f"), IfMatch: fn.ETag}); err != nil {
		t.Fatal(err)
	}
	if _, err := cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: harness.DistributionConfig("d")}); err != nil {
		t.Fatal(err)
	}
	given := &cffunc.KeyValueStore{ID: id, Items: map[string]string{"from": "the given func"}, Created: time.Unix(0, 0)}
	var asked []string
	tests := []struct {
		name      string
		list      edgecache.DistributionsFunc
		wantItems map[string]string
		wantAsked []string
	}{
		{name: "from the store", list: edgestore.Distributions(st), wantItems: map[string]string{}},
		{name: "through the KVSFunc", list: edgestore.DistributionsReading(st, func(_ context.Context, got string) (*cffunc.KeyValueStore, bool, error) {
			asked = append(asked, got)
			return given, true, nil
		}), wantItems: given.Items, wantAsked: []string{id}},
		{name: "through the API's copy", list: edgestore.DistributionsReading(st, api.KeyValueStore), wantItems: map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			asked = nil
			dists, err := tt.list(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(dists) != 1 {
				t.Fatalf("%d distributions, want 1", len(dists))
			}
			stores := dists[0].Functions["f"].KeyValueStores
			if len(stores) != 1 || stores[0].ID != id {
				t.Fatalf("function f carries %+v, want the store %s", stores, id)
			}
			if diff := cmp.Diff(tt.wantItems, stores[0].Items); diff != "" {
				t.Errorf("items (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantAsked, asked); diff != "" {
				t.Errorf("KVSFunc asked for (-want +got):\n%s", diff)
			}
		})
	}
}
