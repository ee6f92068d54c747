package emulator

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// VPC origins (issue 27): an Application or Network Load Balancer or an
// EC2 instance in a private subnet that distributions reach through
// CloudFront's own network. The emulator keeps the control plane only: a
// VPC origin is a resource of the generic store (kind vpc-origin) whose
// Config is its VpcOriginEndpointConfig; the edge has nothing to reach
// and does nothing with it. Like a distribution in the emulator, it is
// Deploying for the server's delay after each change, then Deployed.
//
// An origin names one in VpcOriginConfig.VpcOriginId; CreateDistribution
// and UpdateDistribution refuse an unknown one with EntityNotFound (the
// model's error for both), and DeleteVpcOrigin refuses one a distribution
// names with CannotDeleteEntityWhileInUse.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-vpc-origins.html
// https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateVpcOrigin.html

// VpcOriginKind is the store kind of VPC origins.
const VpcOriginKind = "vpc-origin"

// vpcOriginARNType is the resource type in a VPC origin's ARN,
// arn:aws:cloudfront::ACCOUNT:vpcorigin/ID.
const vpcOriginARNType = "vpcorigin"

// maxVpcOriginNameLen bounds a VPC origin's name. The model gives no
// limit; the console takes names of up to 64 characters, as for
// origin access controls.
const maxVpcOriginNameLen = 64

var (
	// vpcOriginEndpointARN is what an endpoint may be: an Application
	// or Network Load Balancer, or an EC2 instance.
	vpcOriginEndpointARN = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^arn:aws[a-z-]*:(elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:loadbalancer/(app|net)/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}|ec2:[a-z0-9-]+:[0-9]{12}:instance/i-[0-9a-f]{8,17})$`)
	})
)

func init() {
	// The model's shapes of the requests (kept here so this resource
	// touches no shared table).
	shapes["CreateVpcOriginRequest"] = shape{kind: shapeStructure,
		members:  []member{{"VpcOriginEndpointConfig", "VpcOriginEndpointConfig"}, {"Tags", "Tags"}},
		required: []string{"VpcOriginEndpointConfig"}}
	shapes["VpcOriginEndpointConfig"] = shape{kind: shapeStructure,
		members: []member{{"Name", "string"}, {"Arn", "string"}, {"HTTPPort", "integer"}, {"HTTPSPort", "integer"},
			{"OriginProtocolPolicy", "OriginProtocolPolicy"}, {"OriginSslProtocols", "OriginSslProtocols"}},
		required: []string{"Name", "Arn", "HTTPPort", "HTTPSPort", "OriginProtocolPolicy"}}
	shapes["OriginProtocolPolicy"] = shape{kind: shapeEnum, enum: []string{"http-only", "match-viewer", "https-only"}}
	shapes["OriginSslProtocols"] = shape{kind: shapeStructure,
		members: []member{{"Quantity", "integer"}, {"Items", "SslProtocolsList"}}, required: []string{"Quantity", "Items"}}
	shapes["SslProtocolsList"] = shape{kind: shapeList, item: "SslProtocol", itemShape: "SslProtocol"}
	shapes["SslProtocol"] = shape{kind: shapeEnum, enum: []string{"SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2"}}
}

var vpcOrigins = &resourceKind{
	kind:          VpcOriginKind,
	elem:          "VpcOrigin",
	newID:         func() string { return newID("vo_", 22, upperAlnum) },
	listMarker:    true,
	noSuch:        "EntityNotFound",
	noSuchMsg:     "The VPC origin was not found.",
	exists:        "EntityAlreadyExists",
	existsMsg:     "A VPC origin with this name already exists.",
	inUseCode:     "CannotDeleteEntityWhileInUse",
	inUseMsg:      "The VPC origin is used by one or more distributions; remove it from their origins first.",
	noConfigGet:   true,
	createStatus:  http.StatusAccepted,
	updateStatus:  http.StatusAccepted,
	deleteAnswers: true,
	deleteStatus:  "Deleting",
	arnType:       vpcOriginARNType,
	decodeCreate: func(s *Server, r *http.Request) (*distconfig.Node, []store.Tag, *apiError) {
		const root = "CreateVpcOriginRequest"
		n, aerr := parseBody(requestBody(r), root)
		if aerr == nil {
			aerr = validateShape(n, root, root)
		}
		if aerr != nil {
			return nil, nil, aerr
		}
		c := n.Child("VpcOriginEndpointConfig")
		if aerr := checkVpcOriginConfig(c, root+".VpcOriginEndpointConfig"); aerr != nil {
			return nil, nil, aerr
		}
		var tags []store.Tag
		if t := n.Child("Tags"); t != nil {
			if tags, aerr = parseTags(t); aerr != nil {
				return nil, nil, aerr
			}
		}
		dropEmptyItems(c)
		return c, tags, nil
	},
	decodeUpdate: func(s *Server, r *http.Request, _ *store.Resource) (*distconfig.Node, *apiError) {
		const root = "VpcOriginEndpointConfig"
		c, aerr := parseBody(requestBody(r), root)
		if aerr == nil {
			aerr = validateShape(c, root, root)
		}
		if aerr == nil {
			aerr = checkVpcOriginConfig(c, root)
		}
		if aerr != nil {
			return nil, aerr
		}
		dropEmptyItems(c)
		return c, nil
	},
	inUse: func(r *store.Resource, in store.Snapshot) (bool, error) {
		return anyDistribution(in, func(c *distconfig.Node) bool { return originsUseVpcOrigin(c, r.ID) })
	},
	wire: func(s *Server, r *store.Resource) *distconfig.Node {
		return &distconfig.Node{Name: "VpcOrigin", Nodes: []*distconfig.Node{
			leaf("Id", r.ID),
			leaf("Arn", s.typedARN(vpcOriginARNType, r.ID)),
			leaf("AccountId", s.accountID),
			leaf("Status", s.deployStatus(r)),
			leaf("CreatedTime", wireTime(r.CreatedTime)),
			leaf("LastModifiedTime", wireTime(r.LastModifiedTime)),
			r.Config.Clone(),
		}}
	},
	afterDelete: func(ctx context.Context, s *Server, id string) {
		s.dropResourcePolicy(ctx, s.typedARN(vpcOriginARNType, id))
	},
	summary: func(r *store.Resource, wire *distconfig.Node, _ string) *distconfig.Node {
		return &distconfig.Node{Name: "VpcOriginSummary", Nodes: []*distconfig.Node{
			leaf("Id", r.ID),
			leaf("Name", r.Config.Value("Name")),
			leaf("Status", wire.Value("Status")),
			leaf("CreatedTime", wireTime(r.CreatedTime)),
			leaf("LastModifiedTime", wireTime(r.LastModifiedTime)),
			leaf("Arn", wire.Value("Arn")),
			leaf("AccountId", wire.Value("AccountId")),
			leaf("OriginEndpointArn", r.Config.Value("Arn")),
		}}
	},
}

// checkVpcOriginConfig applies CloudFront's rules to a
// VpcOriginEndpointConfig that passed the model's shape check.
func checkVpcOriginConfig(c *distconfig.Node, path string) *apiError {
	if aerr := checkQuantities(c, path); aerr != nil {
		return aerr
	}
	name := c.Value("Name")
	if n := utf8.RuneCountInString(name); strings.TrimSpace(name) == "" || n > maxVpcOriginNameLen {
		return errorf("InvalidArgument", "%s.Name %q is not a valid name: give 1 to %d characters.", path, truncate(name, 100), maxVpcOriginNameLen)
	}
	if a := strings.TrimSpace(c.Value("Arn")); !vpcOriginEndpointARN().MatchString(a) {
		return errorf("InvalidArgument", "%s.Arn %q is not the ARN of an Application or Network Load Balancer (arn:aws:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/app/NAME/ID) or an EC2 instance (arn:aws:ec2:REGION:ACCOUNT:instance/i-ID).", path, truncate(a, 200))
	}
	// The ports CloudFront connects to an origin on: 80 or 443, or
	// 1024 to 65535.
	// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistValuesOrigin.html
	for _, m := range []string{"HTTPPort", "HTTPSPort"} {
		v := strings.TrimSpace(c.Value(m))
		p, _ := strconv.Atoi(v) // an integer: the shape check passed
		if p != 80 && p != 443 && (p < 1024 || p > 65535) {
			return errorf("InvalidArgument", "%s.%s %s is not a port CloudFront connects to: give 80, 443 or 1024 to 65535.", path, m, truncate(v, 20))
		}
	}
	if p := c.Child("OriginSslProtocols"); p != nil && len(p.Find("Items").All("SslProtocol")) == 0 {
		return errorf("InvalidArgument", "%s.OriginSslProtocols.Items is empty; name at least one protocol (e.g. TLSv1.2).", path)
	}
	return nil
}

// originsUseVpcOrigin reports whether an origin of distribution config c
// names VPC origin id.
func originsUseVpcOrigin(c *distconfig.Node, id string) bool {
	for _, o := range c.Find("Origins", "Items").All("Origin") {
		if o.Value("VpcOriginConfig", "VpcOriginId") == id {
			return true
		}
	}
	return false
}

// checkVpcOriginIds refuses a DistributionConfig whose origin names a VPC
// origin of this account that does not exist, with EntityNotFound. An
// origin whose VpcOriginConfig.OwnerAccountId is another account's names
// a VPC origin shared with this one, which the emulator cannot see: it is
// taken as is.
func (s *Server) checkVpcOriginIds(ctx context.Context, c *distconfig.Node) error {
	for _, o := range c.Find("Origins", "Items").All("Origin") {
		vc := o.Child("VpcOriginConfig")
		if vc == nil {
			continue
		}
		id := strings.TrimSpace(vc.Value("VpcOriginId"))
		if id == "" {
			e := errorf("InvalidArgument", "The origin %s has a VpcOriginConfig without a VpcOriginId.", truncate(o.Value("Id"), 100))
			return e
		}
		if owner := strings.TrimSpace(vc.Value("OwnerAccountId")); owner != "" && owner != s.accountID {
			continue
		}
		_, err := s.store.GetResource(ctx, VpcOriginKind, id)
		if errors.Is(err, store.ErrNoResource) || errors.Is(err, store.ErrInvalidKey) {
			e := errorf("EntityNotFound", "The VPC origin %s was not found.", truncate(id, 60))
			e.Detail = fmt.Sprintf("origin %q names VpcOriginId %q, which does not exist", truncate(o.Value("Id"), 100), truncate(id, 60))
			return e
		}
		if err != nil {
			return err
		}
	}
	return nil
}
