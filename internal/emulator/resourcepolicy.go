package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// Resource policies (issue 27): the policy that shares a CloudFront
// resource with other accounts through AWS RAM. CloudFront shares VPC
// origins only ("Currently, CloudFront supports sharing VPC origins",
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/sharing-resources.html),
// so the ResourceArn must be a VPC origin's of this account; another
// CloudFront resource's ARN is UnsupportedOperation, an ARN that is no
// CloudFront ARN InvalidArgument, a VPC origin that does not exist
// EntityNotFound. A policy is a resource of the generic store (kind
// resource-policy) keyed by the ARN, and goes with its VPC origin. The
// emulator keeps the document; nothing enforces it (there is one account).
// https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_PutResourcePolicy.html

// ResourcePolicyKind is the store kind of resource policies.
const ResourcePolicyKind = "resource-policy"

// maxPolicyDocumentBytes bounds a policy document. CloudFront documents
// no limit; AWS RAM's resource policies are at most 5,120 characters, and
// IAM's managed policies 6,144: the emulator takes up to 20 KiB, the
// largest resource policy size AWS services document (S3 bucket
// policies), and refuses more with InvalidArgument.
const maxPolicyDocumentBytes = 20 << 10

func init() {
	ref := []member{{"ResourceArn", "string"}}
	shapes["ResourcePolicyRef"] = shape{kind: shapeStructure, members: ref, required: []string{"ResourceArn"}}
	shapes["PutResourcePolicyRequest"] = shape{kind: shapeStructure,
		members: append(ref, member{"PolicyDocument", "string"}), required: []string{"ResourceArn", "PolicyDocument"}}
}

func (s *Server) resourcePolicyRoutes() {
	const v = "/2020-05-31"
	s.mux.HandleFunc("POST "+v+"/get-resource-policy", s.getResourcePolicy)
	s.mux.HandleFunc("POST "+v+"/put-resource-policy", s.putResourcePolicy)
	s.mux.HandleFunc("POST "+v+"/delete-resource-policy", s.deleteResourcePolicy)
}

// sharedResource returns the ID of the VPC origin arn names, or the error
// for an ARN that names no shareable resource of this account.
func (s *Server) sharedResource(ctx context.Context, arn string) (string, error) {
	if !resourceARN().MatchString(arn) {
		return "", errorf("InvalidArgument", "ResourceArn %q is not a CloudFront ARN (arn:aws:cloudfront::ACCOUNT:TYPE/ID).", truncate(arn, 200))
	}
	// arn:aws:cloudfront::ACCOUNT:TYPE/ID
	typ, id, _ := strings.Cut(strings.SplitN(arn, ":", 6)[5], "/")
	if typ != vpcOriginARNType {
		return "", errorf("UnsupportedOperation", "Resource policies are supported for VPC origins only, not %q; give a VPC origin's ARN (%s).", truncate(typ, 40), s.typedARN(vpcOriginARNType, "ID"))
	}
	notFound := errorf("EntityNotFound", "The VPC origin %s was not found.", truncate(arn, 200))
	if arn != s.typedARN(vpcOriginARNType, id) || id == "" {
		return "", notFound // another account's: not visible here
	}
	_, err := s.store.GetResource(ctx, VpcOriginKind, id)
	if errors.Is(err, store.ErrNoResource) || errors.Is(err, store.ErrInvalidKey) {
		return "", notFound
	}
	return id, err
}

// decodePolicyRequest parses a request whose root is root against shape
// and resolves its ResourceArn.
func (s *Server) decodePolicyRequest(r *http.Request, root, shapeName string) (*distconfig.Node, string, error) {
	n, aerr := parseBody(requestBody(r), root)
	if aerr == nil {
		aerr = validateShape(n, shapeName, root)
	}
	if aerr != nil {
		return nil, "", aerr
	}
	arn := strings.TrimSpace(n.Value("ResourceArn"))
	if _, err := s.sharedResource(r.Context(), arn); err != nil {
		return nil, "", err
	}
	return n, arn, nil
}

func errNoResourcePolicy(arn string) *apiError {
	return errorf("EntityNotFound", "The resource %s has no resource policy.", truncate(arn, 200))
}

func (s *Server) putResourcePolicy(w http.ResponseWriter, r *http.Request) {
	const root = "PutResourcePolicyRequest"
	n, arn, err := s.decodePolicyRequest(r, root, root)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	doc := n.Value("PolicyDocument")
	var policy map[string]any
	switch {
	case len(doc) > maxPolicyDocumentBytes:
		err = errorf("InvalidArgument", "%s.PolicyDocument is %d bytes; the emulator takes at most %d.", root, len(doc), maxPolicyDocumentBytes)
	case json.Unmarshal([]byte(doc), &policy) != nil:
		err = errorf("InvalidArgument", "%s.PolicyDocument is not a JSON object: give an IAM policy document ({\"Version\": \"2012-10-17\", \"Statement\": [...]}).", root)
	case policy["Statement"] == nil:
		err = errorf("InvalidArgument", "%s.PolicyDocument has no Statement: a policy needs at least one.", root)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.now()
	cfg := &distconfig.Node{Name: "ResourcePolicy", Nodes: []*distconfig.Node{leaf("PolicyDocument", doc)}}
	// A put replaces the policy or creates it. A concurrent first put may
	// create it between this one's update and create: then the update is
	// tried again, and the last write wins.
	for range 3 {
		_, err = s.store.UpdateResource(r.Context(), ResourcePolicyKind, arn, func(res *store.Resource) error {
			res.Config, res.ETag, res.LastModifiedTime = cfg, newETag(), now
			return nil
		})
		if !errors.Is(err, store.ErrNoResource) {
			break
		}
		err = s.store.CreateResource(r.Context(), &store.Resource{Kind: ResourcePolicyKind, ID: arn, Name: arn,
			ETag: newETag(), CreatedTime: now, LastModifiedTime: now, Config: cfg})
		if !errors.Is(err, store.ErrResourceExists) {
			break
		}
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeXML(w, r, http.StatusOK, xmlDocument{&distconfig.Node{Name: "PutResourcePolicyResult", Nodes: []*distconfig.Node{leaf("ResourceArn", arn)}}})
}

func (s *Server) getResourcePolicy(w http.ResponseWriter, r *http.Request) {
	_, arn, err := s.decodePolicyRequest(r, "GetResourcePolicyRequest", "ResourcePolicyRef")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.store.GetResource(r.Context(), ResourcePolicyKind, arn)
	if errors.Is(err, store.ErrNoResource) {
		err = errNoResourcePolicy(arn)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeXML(w, r, http.StatusOK, xmlDocument{&distconfig.Node{Name: "GetResourcePolicyResult", Nodes: []*distconfig.Node{
		leaf("ResourceArn", arn), leaf("PolicyDocument", res.Config.Value("PolicyDocument")),
	}}})
}

func (s *Server) deleteResourcePolicy(w http.ResponseWriter, r *http.Request) {
	_, arn, err := s.decodePolicyRequest(r, "DeleteResourcePolicyRequest", "ResourcePolicyRef")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	err = s.store.DeleteResource(r.Context(), ResourcePolicyKind, arn, nil)
	if errors.Is(err, store.ErrNoResource) {
		err = errNoResourcePolicy(arn)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The model's DeleteResourcePolicy has no output, status 200.
	w.WriteHeader(http.StatusOK)
}

// dropResourcePolicy deletes the policy of deleted resource arn, if any;
// a failure is logged (the resource is gone, and a policy is served only
// for an existing resource).
func (s *Server) dropResourcePolicy(ctx context.Context, arn string) {
	err := s.store.DeleteResource(ctx, ResourcePolicyKind, arn, nil)
	if err != nil && !errors.Is(err, store.ErrNoResource) {
		s.log.Error("delete resource policy", "resource", arn, "err", err)
	}
}
