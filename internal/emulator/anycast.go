package emulator

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// Anycast static IP lists (issue 27): a fixed set of IP addresses a
// distribution is served on, for allow-listing. The emulator keeps the
// control plane only: a list is a resource of the generic store (kind
// anycast-ip-list) whose Config holds its Name, IpCount, IpAddressType,
// IPAM configuration and the addresses allocated to it. The edge listens
// where cfinv serve is told to, not on these addresses. A distribution
// names a list in DistributionConfig.AnycastIpListId.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/request-static-ips.html
// https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateAnycastIpList.html

// AnycastIpListKind is the store kind of Anycast static IP lists.
const AnycastIpListKind = "anycast-ip-list"

// anycastARNType is the resource type in a list's ARN.
const anycastARNType = "anycast-ip-list"

// anycastIPCounts are the list sizes CloudFront allocates (the model's
// IpCount documentation: "Valid values: 21 or 3").
var anycastIPCounts = []int{3, 21}

var (
	anycastNamePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9-_]{1,64}$`) })
	ipamPoolARN        = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^arn:aws[a-z-]*:ec2::[0-9]{12}:ipam-pool/ipam-pool-[0-9a-f]{8,17}$`)
	})
)

func init() {
	// The model's shapes of the requests (kept here so this resource
	// touches no shared table).
	ipam := member{"IpamCidrConfigs", "IpamCidrConfigList"}
	shapes["CreateAnycastIpListRequest"] = shape{kind: shapeStructure,
		members:  []member{{"Name", "string"}, {"IpCount", "integer"}, {"Tags", "Tags"}, {"IpAddressType", "IpAddressType"}, ipam},
		required: []string{"Name", "IpCount"}}
	shapes["UpdateAnycastIpListRequest"] = shape{kind: shapeStructure,
		members: []member{{"IpAddressType", "IpAddressType"}, ipam}}
	shapes["IpAddressType"] = shape{kind: shapeEnum, enum: []string{"ipv4", "ipv6", "dualstack"}}
	shapes["IpamCidrConfigList"] = shape{kind: shapeList, item: "IpamCidrConfig", itemShape: "IpamCidrConfig"}
	shapes["IpamCidrConfig"] = shape{kind: shapeStructure,
		members:  []member{{"Cidr", "string"}, {"IpamPoolArn", "string"}, {"AnycastIp", "string"}, {"Status", "IpamCidrStatus"}},
		required: []string{"Cidr", "IpamPoolArn"}}
	shapes["IpamCidrStatus"] = shape{kind: shapeEnum, enum: []string{"provisioned", "failed-provision", "provisioning",
		"deprovisioned", "failed-deprovision", "deprovisioning", "advertised", "failed-advertise", "advertising",
		"withdrawn", "failed-withdraw", "withdrawing"}}
}

var anycastIPLists = &resourceKind{
	kind:         AnycastIpListKind,
	elem:         "AnycastIpList",
	listElem:     "AnycastIpListCollection",
	newID:        func() string { return newID("aip_", 22, upperAlnum) },
	listMarker:   true,
	noSuch:       "EntityNotFound",
	noSuchMsg:    "The Anycast static IP list was not found.",
	exists:       "EntityAlreadyExists",
	existsMsg:    "An Anycast static IP list with this name already exists.",
	inUseCode:    "CannotDeleteEntityWhileInUse",
	inUseMsg:     "The Anycast static IP list is associated with one or more distributions or connection groups; remove its ID from their AnycastIpListId first.",
	noConfigGet:  true,
	createStatus: http.StatusAccepted,
	arnType:      anycastARNType,
	decodeCreate: func(s *Server, r *http.Request) (*distconfig.Node, []store.Tag, *apiError) {
		const root = "CreateAnycastIpListRequest"
		n, aerr := parseBody(requestBody(r), root)
		if aerr == nil {
			aerr = validateShape(n, root, root)
		}
		if aerr != nil {
			return nil, nil, aerr
		}
		name := n.Value("Name")
		if !anycastNamePattern().MatchString(name) {
			return nil, nil, errorf("InvalidArgument", "%s.Name %q is not valid: give 1 to 64 letters, digits, hyphens and underscores.", root, truncate(name, 100))
		}
		countText := strings.TrimSpace(n.Value("IpCount"))
		count, _ := strconv.Atoi(countText) // an integer: the shape check passed
		if count != anycastIPCounts[0] && count != anycastIPCounts[1] {
			return nil, nil, errorf("InvalidArgument", "%s.IpCount %s is not valid: an Anycast static IP list has 3 or 21 addresses.", root, truncate(countText, 20))
		}
		var tags []store.Tag
		if t := n.Child("Tags"); t != nil {
			if tags, aerr = parseTags(t); aerr != nil {
				return nil, nil, aerr
			}
		}
		c := &distconfig.Node{Name: "AnycastIpListConfig", Nodes: []*distconfig.Node{
			leaf("Name", name), leaf("IpCount", strconv.Itoa(count)),
		}}
		typ := n.Value("IpAddressType")
		if typ == "" {
			typ = "ipv4"
		}
		c.Append(leaf("IpAddressType", typ))
		if aerr := setIpamConfig(c, n.Child("IpamCidrConfigs"), root); aerr != nil {
			return nil, nil, aerr
		}
		return c, tags, nil
	},
	decodeUpdate: func(s *Server, r *http.Request, old *store.Resource) (*distconfig.Node, *apiError) {
		const root = "UpdateAnycastIpListRequest"
		// No member of the body is required: an SDK sends none for an
		// update that changes nothing, which keeps the list as it is.
		n, aerr := &distconfig.Node{Name: root}, (*apiError)(nil)
		if body := requestBody(r); len(bytes.TrimSpace(body)) > 0 {
			n, aerr = parseBody(body, root)
		}
		if aerr == nil {
			aerr = validateShape(n, root, root)
		}
		if aerr != nil {
			return nil, aerr
		}
		c := old.Config.Clone()
		if typ := n.Value("IpAddressType"); typ != "" {
			c.Child("IpAddressType").Text = typ
		}
		ipam := n.Child("IpamCidrConfigs")
		if ipam == nil {
			// Members not sent keep their values.
			if ic := old.Config.Child("IpamConfig"); ic != nil {
				ipam = ic.Child("IpamCidrConfigs")
			}
		}
		if aerr := setIpamConfig(c, ipam, root); aerr != nil {
			return nil, aerr
		}
		return c, nil
	},
	// In use while a distribution or a connection group names it,
	// both checked in the delete's transaction.
	inUse: func(r *store.Resource, in store.Snapshot) (bool, error) {
		used, err := anyDistribution(in, func(c *distconfig.Node) bool { return usesAnycastIPList(c, r.ID) })
		if used || err != nil {
			return used, err
		}
		groups, err := in.Resources(connectionGroupKind)
		if err != nil {
			return false, err
		}
		for _, g := range groups {
			if usesAnycastIPList(g.Config, r.ID) {
				return true, nil
			}
		}
		return false, nil
	},
	wire: func(s *Server, r *store.Resource) *distconfig.Node {
		c := r.Config
		n := &distconfig.Node{Name: "AnycastIpList", Nodes: []*distconfig.Node{
			leaf("Id", r.ID),
			leaf("Name", c.Value("Name")),
			leaf("Status", s.deployStatus(r)),
			leaf("Arn", s.typedARN(anycastARNType, r.ID)),
			leaf("IpAddressType", c.Value("IpAddressType")),
		}}
		if ic := c.Child("IpamConfig"); ic != nil {
			n.Append(ic.Clone())
		}
		ips := n.Append(&distconfig.Node{Name: "AnycastIps"})
		for _, ip := range anycastIPs(r) {
			ips.Append(leaf("AnycastIp", ip))
		}
		n.Append(leaf("IpCount", c.Value("IpCount")))
		n.Append(leaf("LastModifiedTime", wireTime(r.LastModifiedTime)))
		return n
	},
	summary: func(r *store.Resource, wire *distconfig.Node, _ string) *distconfig.Node {
		n := &distconfig.Node{Name: "AnycastIpListSummary"}
		for _, m := range []string{"Id", "Name", "Status", "Arn", "IpCount", "LastModifiedTime", "IpAddressType"} {
			n.Append(leaf(m, wire.Value(m)))
		}
		n.Append(leaf("ETag", r.ETag))
		if ic := wire.Child("IpamConfig"); ic != nil {
			n.Append(ic.Clone())
		}
		return n
	},
}

// setIpamConfig replaces c's IpamConfig with the one the IpamCidrConfigs
// element ipam gives (nil: none). Each config needs a CIDR and an IPAM
// pool ARN; the list's addresses are then the CIDRs' first addresses, one
// per config, so there must be IpCount of them.
func setIpamConfig(c, ipam *distconfig.Node, root string) *apiError {
	c.Nodes = slicesDeleteNamed(c.Nodes, "IpamConfig")
	if ipam == nil || len(ipam.Nodes) == 0 {
		return nil
	}
	configs := ipam.All("IpamCidrConfig")
	if want := c.Value("IpCount"); strconv.Itoa(len(configs)) != want {
		return errorf("InvalidArgument", "%s.IpamCidrConfigs holds %d CIDRs; give one per address, IpCount %s.", root, len(configs), want)
	}
	out := &distconfig.Node{Name: "IpamCidrConfigs"}
	for i, cc := range configs {
		at := fmt.Sprintf("%s.IpamCidrConfigs[%d]", root, i+1)
		cidr := strings.TrimSpace(cc.Value("Cidr"))
		p, err := netip.ParsePrefix(cidr)
		if err != nil {
			return errorf("InvalidArgument", "%s.Cidr %q is not a CIDR (e.g. 203.0.113.10/32).", at, truncate(cidr, 60))
		}
		if a := strings.TrimSpace(cc.Value("IpamPoolArn")); !ipamPoolARN().MatchString(a) {
			return errorf("InvalidArgument", "%s.IpamPoolArn %q is not an IPAM pool ARN (arn:aws:ec2::ACCOUNT:ipam-pool/ipam-pool-ID).", at, truncate(a, 200))
		}
		out.Append(&distconfig.Node{Name: "IpamCidrConfig", Nodes: []*distconfig.Node{
			leaf("Cidr", p.String()), leaf("IpamPoolArn", strings.TrimSpace(cc.Value("IpamPoolArn"))),
			leaf("AnycastIp", p.Masked().Addr().String()), leaf("Status", "advertised"),
		}})
	}
	c.Append(&distconfig.Node{Name: "IpamConfig", Nodes: []*distconfig.Node{leaf("Quantity", strconv.Itoa(len(configs))), out}})
	return nil
}

// slicesDeleteNamed returns nodes without the elements called name.
func slicesDeleteNamed(nodes []*distconfig.Node, name string) []*distconfig.Node {
	out := nodes[:0:0]
	for _, n := range nodes {
		if n.Name != name {
			out = append(out, n)
		}
	}
	return out
}

// anycastIPs are the addresses of list r: its IPAM CIDRs' when it has
// some, else addresses of the documentation ranges (RFC 5737's three IPv4
// blocks, RFC 3849's 2001:db8::/32), derived from the list's ID so they
// are the same after a restart and differ between lists. A dualstack list
// has IpCount addresses of each family.
func anycastIPs(r *store.Resource) []string {
	var out []string
	if ic := r.Config.Child("IpamConfig"); ic != nil {
		for _, cc := range ic.Find("IpamCidrConfigs").All("IpamCidrConfig") {
			out = append(out, cc.Value("AnycastIp"))
		}
		return out
	}
	count, _ := strconv.Atoi(r.Config.Value("IpCount"))
	sum := sha256.Sum256([]byte("cfinv anycast ip list " + r.ID))
	typ := r.Config.Value("IpAddressType")
	if typ != "ipv6" {
		blocks := [3][3]byte{{192, 0, 2}, {198, 51, 100}, {203, 0, 113}}
		for i := range count {
			b := blocks[i%3]
			// Hosts 1–254, distinct within a block: i/3 differs.
			host := 1 + (int(sum[i%3])+i/3)%254
			out = append(out, netip.AddrFrom4([4]byte{b[0], b[1], b[2], byte(host)}).String())
		}
	}
	if typ == "ipv6" || typ == "dualstack" {
		for i := range count {
			a := [16]byte{0x20, 0x01, 0x0d, 0xb8, sum[3], sum[4], sum[5], sum[6]}
			a[15] = byte(i + 1)
			out = append(out, netip.AddrFrom16(a).String())
		}
	}
	return out
}

// usesAnycastIPList reports whether distribution config c names list id.
func usesAnycastIPList(c *distconfig.Node, id string) bool {
	return c.Value("AnycastIpListId") == id
}

// checkAnycastIPListID refuses a DistributionConfig whose AnycastIpListId
// names no list of this account, with EntityNotFound (the model's error
// for CreateDistribution and UpdateDistribution).
func (s *Server) checkAnycastIPListID(ctx context.Context, c *distconfig.Node) error {
	id := strings.TrimSpace(c.Value("AnycastIpListId"))
	if id == "" {
		return nil
	}
	return s.checkAnycastIPList(ctx, id, "DistributionConfig.AnycastIpListId")
}

// checkAnycastIPList refuses id, the value of member, when it names no
// Anycast static IP list of this account: EntityNotFound.
func (s *Server) checkAnycastIPList(ctx context.Context, id, member string) error {
	if len(id) <= maxIDLen {
		_, err := s.store.GetResource(ctx, AnycastIpListKind, id)
		if !errors.Is(err, store.ErrNoResource) && !errors.Is(err, store.ErrInvalidKey) {
			return err
		}
	}
	e := errorf("EntityNotFound", "The Anycast static IP list %s was not found.", truncate(id, 60))
	e.Detail = member + " names a list that does not exist; give the Id of one CreateAnycastIpList made"
	return e
}
