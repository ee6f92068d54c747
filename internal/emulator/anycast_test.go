package emulator_test

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/test/harness"
)

// Anycast static IP lists (issue 27), through the real SDK.

func (f *fixture) createAnycastList(name string, count int32, typ types.IpAddressType) *cloudfront.CreateAnycastIpListOutput {
	f.t.Helper()
	out, err := f.cf.CreateAnycastIpList(f.t.Context(), &cloudfront.CreateAnycastIpListInput{Name: aws.String(name), IpCount: aws.Int32(count), IpAddressType: typ})
	if err != nil {
		f.t.Fatalf("CreateAnycastIpList(%s): %v", name, err)
	}
	return out
}

// wantDocAddrs checks ips are n distinct addresses of the documentation
// ranges of the family v4 says.
func wantDocAddrs(t *testing.T, ips []string, n int, v4 bool) {
	t.Helper()
	docs := []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"),
		netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("2001:db8::/32")}
	if len(ips) != n {
		t.Fatalf("got %d addresses %v, want %d", len(ips), ips, n)
	}
	seen := map[string]bool{}
	for _, ip := range ips {
		a, err := netip.ParseAddr(ip)
		if err != nil || a.Is4() != v4 || seen[ip] {
			t.Errorf("address %q: not a distinct IPv4=%v address", ip, v4)
			continue
		}
		seen[ip] = true
		in := false
		for _, p := range docs {
			in = in || p.Contains(a)
		}
		if !in {
			t.Errorf("address %s is not in a documentation range", ip)
		}
	}
}

func TestAnycastIPLists(t *testing.T) {
	for _, st := range []string{"mem", "bolt"} {
		t.Run(st, func(t *testing.T) {
			var edit []func(*emulator.Options)
			if st == "bolt" {
				edit = append(edit, withBolt(t))
			}
			f := newFixture(t, edit...)
			ctx := t.Context()
			created := f.createAnycastList("allow-list", 21, "")
			l := created.AnycastIpList
			id := aws.ToString(l.Id)
			if aws.ToString(l.Status) != "Deploying" || aws.ToInt32(l.IpCount) != 21 || l.IpAddressType != types.IpAddressTypeIpv4 ||
				aws.ToString(l.Arn) != "arn:aws:cloudfront::123456789012:anycast-ip-list/"+id || aws.ToString(created.ETag) == "" {
				t.Errorf("created: %+v, ETag %q", l, aws.ToString(created.ETag))
			}
			wantDocAddrs(t, l.AnycastIps, 21, true)
			f.clock.Advance(delay)
			got, err := f.cf.GetAnycastIpList(ctx, &cloudfront.GetAnycastIpListInput{Id: aws.String(id)})
			if err != nil {
				t.Fatalf("GetAnycastIpList: %v", err)
			}
			if aws.ToString(got.AnycastIpList.Status) != "Deployed" || aws.ToString(got.ETag) != aws.ToString(created.ETag) {
				t.Errorf("after the delay: %+v, ETag %s", got.AnycastIpList, aws.ToString(got.ETag))
			}

			dual := f.createAnycastList("dual", 3, types.IpAddressTypeDualStack)
			wantDocAddrs(t, dual.AnycastIpList.AnycastIps[:3], 3, true)
			wantDocAddrs(t, dual.AnycastIpList.AnycastIps[3:], 3, false)

			list, err := f.cf.ListAnycastIpLists(ctx, &cloudfront.ListAnycastIpListsInput{MaxItems: aws.Int32(1)})
			if err != nil {
				t.Fatalf("ListAnycastIpLists: %v", err)
			}
			c := list.AnycastIpLists
			if aws.ToInt32(c.Quantity) != 1 || !aws.ToBool(c.IsTruncated) || aws.ToString(c.NextMarker) != id ||
				aws.ToString(c.Items[0].Name) != "allow-list" || aws.ToString(c.Items[0].ETag) != aws.ToString(created.ETag) {
				t.Errorf("ListAnycastIpLists page 1: %+v", c)
			}

			// Update: the address type, the addresses with it.
			upd, err := f.cf.UpdateAnycastIpList(ctx, &cloudfront.UpdateAnycastIpListInput{Id: aws.String(id), IfMatch: got.ETag, IpAddressType: types.IpAddressTypeIpv6})
			if err != nil {
				t.Fatalf("UpdateAnycastIpList: %v", err)
			}
			if upd.AnycastIpList.IpAddressType != types.IpAddressTypeIpv6 || aws.ToString(upd.ETag) == aws.ToString(got.ETag) {
				t.Errorf("updated: %+v, ETag %s", upd.AnycastIpList, aws.ToString(upd.ETag))
			}
			wantDocAddrs(t, upd.AnycastIpList.AnycastIps, 21, false)

			// A distribution names it.
			dist := f.createDist("anycast-user")
			distID := aws.ToString(dist.Distribution.Id)
			if err := f.editDist(distID, func(c *types.DistributionConfig) { c.AnycastIpListId = aws.String(id) }); err != nil {
				t.Fatalf("UpdateDistribution with AnycastIpListId: %v", err)
			}
			f.createDist("not-anycast")
			by, err := f.cf.ListDistributionsByAnycastIpListId(ctx, &cloudfront.ListDistributionsByAnycastIpListIdInput{AnycastIpListId: aws.String(id)})
			if err != nil {
				t.Fatalf("ListDistributionsByAnycastIpListId: %v", err)
			}
			if dl := by.DistributionList; aws.ToInt32(dl.Quantity) != 1 || aws.ToString(dl.Items[0].Id) != distID ||
				aws.ToString(dl.Items[0].AnycastIpListId) != id {
				t.Errorf("ListDistributionsByAnycastIpListId: %+v", dl)
			}
			_, err = f.cf.DeleteAnycastIpList(ctx, &cloudfront.DeleteAnycastIpListInput{Id: aws.String(id), IfMatch: upd.ETag})
			wantAPIErr(t, err, "CannotDeleteEntityWhileInUse", http.StatusConflict)
			if err := f.editDist(distID, func(c *types.DistributionConfig) { c.AnycastIpListId = nil }); err != nil {
				t.Fatalf("UpdateDistribution without AnycastIpListId: %v", err)
			}
			if _, err := f.cf.DeleteAnycastIpList(ctx, &cloudfront.DeleteAnycastIpListInput{Id: aws.String(id), IfMatch: upd.ETag}); err != nil {
				t.Fatalf("DeleteAnycastIpList: %v", err)
			}
			_, err = f.cf.GetAnycastIpList(ctx, &cloudfront.GetAnycastIpListInput{Id: aws.String(id)})
			wantAPIErr(t, err, "EntityNotFound", http.StatusNotFound)
		})
	}
}

func TestAnycastIPListIPAM(t *testing.T) {
	f := newFixture(t)
	const pool = "arn:aws:ec2::123456789012:ipam-pool/ipam-pool-0123456789abcdef0"
	cidrs := []types.IpamCidrConfig{
		{Cidr: aws.String("203.0.113.10/32"), IpamPoolArn: aws.String(pool)},
		{Cidr: aws.String("203.0.113.11/32"), IpamPoolArn: aws.String(pool)},
		{Cidr: aws.String("203.0.113.12/32"), IpamPoolArn: aws.String(pool)},
	}
	out, err := f.cf.CreateAnycastIpList(t.Context(), &cloudfront.CreateAnycastIpListInput{Name: aws.String("byoip"), IpCount: aws.Int32(3), IpamCidrConfigs: cidrs})
	if err != nil {
		t.Fatalf("CreateAnycastIpList with IPAM: %v", err)
	}
	l := out.AnycastIpList
	want := []string{"203.0.113.10", "203.0.113.11", "203.0.113.12"}
	if l.IpamConfig == nil || aws.ToInt32(l.IpamConfig.Quantity) != 3 || len(l.AnycastIps) != 3 || l.AnycastIps[0] != want[0] || l.AnycastIps[2] != want[2] {
		t.Errorf("IPAM list: %+v, IpamConfig %+v; want addresses %v", l, l.IpamConfig, want)
	}
	_, err = f.cf.CreateAnycastIpList(t.Context(), &cloudfront.CreateAnycastIpListInput{Name: aws.String("short"), IpCount: aws.Int32(3), IpamCidrConfigs: cidrs[:1]})
	wantAPIErr(t, err, "InvalidArgument", http.StatusBadRequest)
}

func TestAnycastIPListErrors(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	existing := f.createAnycastList("taken", 3, "")
	id, etag := existing.AnycastIpList.Id, existing.ETag
	create := func(name string, count int32, typ types.IpAddressType) func() error {
		return func() error {
			_, err := f.cf.CreateAnycastIpList(ctx, &cloudfront.CreateAnycastIpListInput{Name: aws.String(name), IpCount: aws.Int32(count), IpAddressType: typ})
			return err
		}
	}
	tests := []struct {
		name   string
		call   func() error
		code   string
		status int
	}{
		{"name taken", create("taken", 3, ""), "EntityAlreadyExists", http.StatusConflict},
		{"IpCount not 3 or 21", create("four", 4, ""), "InvalidArgument", http.StatusBadRequest},
		{"name with a space", create("a b", 3, ""), "InvalidArgument", http.StatusBadRequest},
		{"IpAddressType not in the enum", create("ipx", 3, "ipv5"), "InvalidArgument", http.StatusBadRequest},
		{"bad CIDR", func() error {
			_, err := f.cf.CreateAnycastIpList(ctx, &cloudfront.CreateAnycastIpListInput{Name: aws.String("cidr"), IpCount: aws.Int32(3),
				IpamCidrConfigs: []types.IpamCidrConfig{{Cidr: aws.String("not-a-cidr"), IpamPoolArn: aws.String("arn:aws:ec2::123456789012:ipam-pool/ipam-pool-0123456789abcdef0")}}})
			return err
		}, "InvalidArgument", http.StatusBadRequest},
		{"bad tag", func() error {
			_, err := f.cf.CreateAnycastIpList(ctx, &cloudfront.CreateAnycastIpListInput{Name: aws.String("tagged"), IpCount: aws.Int32(3),
				Tags: &types.Tags{Items: []types.Tag{{Key: aws.String("")}}}})
			return err
		}, "InvalidTagging", http.StatusBadRequest},
		{"get unknown", func() error {
			_, err := f.cf.GetAnycastIpList(ctx, &cloudfront.GetAnycastIpListInput{Id: aws.String("aip_NOSUCH")})
			return err
		}, "EntityNotFound", http.StatusNotFound},
		{"update with a stale If-Match", func() error {
			_, err := f.cf.UpdateAnycastIpList(ctx, &cloudfront.UpdateAnycastIpListInput{Id: id, IfMatch: aws.String("ESTALE"), IpAddressType: types.IpAddressTypeIpv6})
			return err
		}, "PreconditionFailed", http.StatusPreconditionFailed},
		{"update unknown", func() error {
			_, err := f.cf.UpdateAnycastIpList(ctx, &cloudfront.UpdateAnycastIpListInput{Id: aws.String("aip_NOSUCH"), IfMatch: etag})
			return err
		}, "EntityNotFound", http.StatusNotFound},
		{"delete with a stale If-Match", func() error {
			_, err := f.cf.DeleteAnycastIpList(ctx, &cloudfront.DeleteAnycastIpListInput{Id: id, IfMatch: aws.String("ESTALE")})
			return err
		}, "PreconditionFailed", http.StatusPreconditionFailed},
		{"delete unknown", func() error {
			_, err := f.cf.DeleteAnycastIpList(ctx, &cloudfront.DeleteAnycastIpListInput{Id: aws.String("aip_NOSUCH"), IfMatch: etag})
			return err
		}, "EntityNotFound", http.StatusNotFound},
		{"look-up of an unknown list", func() error {
			_, err := f.cf.ListDistributionsByAnycastIpListId(ctx, &cloudfront.ListDistributionsByAnycastIpListIdInput{AnycastIpListId: aws.String("aip_NOSUCH")})
			return err
		}, "EntityNotFound", http.StatusNotFound},
		{"distribution naming an unknown list", func() error {
			c := sdkConfig("unknown-anycast")
			c.AnycastIpListId = aws.String("aip_NOSUCH")
			_, err := f.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: c})
			return err
		}, "EntityNotFound", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantAPIErr(t, tt.call(), tt.code, tt.status)
		})
	}
	t.Run("update with no body", func(t *testing.T) {
		resp, body := f.do("PUT", "/2020-05-31/anycast-ip-list/"+aws.ToString(id), nil, "If-Match", aws.ToString(etag))
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<IpAddressType>ipv4</IpAddressType>") {
			t.Errorf("got HTTP %d %s, want 200 and the list unchanged", resp.StatusCode, body)
		}
	})
	t.Run("delete without If-Match", func(t *testing.T) {
		resp, body := f.do("DELETE", "/2020-05-31/anycast-ip-list/"+aws.ToString(id), nil)
		wantRawErr(t, resp, body, "InvalidIfMatchVersion", http.StatusBadRequest, "If-Match")
	})
}

func TestAnycastIPListSurvivesRestart(t *testing.T) {
	start := restartable(t, t.TempDir()+"/state.db", harness.NewClock(t0))
	cf, stop := start()
	created, err := cf.CreateAnycastIpList(t.Context(), &cloudfront.CreateAnycastIpListInput{Name: aws.String("kept"), IpCount: aws.Int32(3),
		Tags: &types.Tags{Items: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}})
	if err != nil {
		t.Fatal(err)
	}
	stop()
	cf, stop = start()
	defer stop()
	got, err := cf.GetAnycastIpList(t.Context(), &cloudfront.GetAnycastIpListInput{Id: created.AnycastIpList.Id})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.ETag) != aws.ToString(created.ETag) || len(got.AnycastIpList.AnycastIps) != 3 ||
		got.AnycastIpList.AnycastIps[0] != created.AnycastIpList.AnycastIps[0] {
		t.Errorf("after a restart: %+v, ETag %s; created %+v, ETag %s", got.AnycastIpList, aws.ToString(got.ETag), created.AnycastIpList, aws.ToString(created.ETag))
	}
	tags, err := cf.ListTagsForResource(t.Context(), &cloudfront.ListTagsForResourceInput{Resource: created.AnycastIpList.Arn})
	if err != nil || len(tags.Tags.Items) != 1 {
		t.Errorf("tags after a restart: %+v, %v", tags, err)
	}
}
