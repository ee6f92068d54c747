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

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// Real-time log configurations (issue 27): where CloudFront would send
// per-request log records (a Kinesis data stream), which fields and what
// share of requests. The control plane is all there is: the edge sends no
// records. A config is a store.Resource whose ID and Name are the config's
// Name (CloudFront addresses them by Name or ARN) and whose Config is the
// RealtimeLogConfig element as answered.
//
// CloudFront's rules, as documented:
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/real-time-logs.html
// https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateRealtimeLogConfig.html
// and the quota of 150 configurations per account:
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html

// RealtimeLogConfigKind is the store kind of real-time log configurations.
const RealtimeLogConfigKind = "realtime-log-config"

const (
	maxRealtimeLogConfigs            = 150
	minSamplingRate, maxSamplingRate = 1, 100
	msgNoSuchRealtimeLogConfig       = "The real-time log configuration does not exist."
)

// realtimeLogCreateMu serialises count-and-create, so concurrent creates
// cannot pass the quota together.
var realtimeLogCreateMu sync.Mutex

var (
	kinesisStreamARN = regexp.MustCompile(`^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:[0-9]{12}:stream/[A-Za-z0-9_.-]{1,128}$`)
	iamRoleARN       = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}$`)
	logFieldName     = regexp.MustCompile(`^[a-z][a-z0-9-]*(\([a-z]+\))?$`)
)

func init() {
	// Statuses from the model (botocore service-2.json).
	for code, status := range map[string]int{
		"NoSuchRealtimeLogConfig":        http.StatusNotFound,
		"RealtimeLogConfigAlreadyExists": http.StatusConflict,
		"RealtimeLogConfigInUse":         http.StatusBadRequest,
		"RealtimeLogConfigOwnerMismatch": http.StatusUnauthorized,
		"TooManyRealtimeLogConfigs":      http.StatusBadRequest,
	} {
		statusOf[code] = status
	}
	for _, op := range []string{
		"CreateRealtimeLogConfig", "GetRealtimeLogConfig", "ListRealtimeLogConfigs",
		"UpdateRealtimeLogConfig", "DeleteRealtimeLogConfig", "ListDistributionsByRealtimeLogConfig",
	} {
		implemented[op] = true
	}
	// The model's shapes of the requests (kept here so this resource
	// touches no shared table).
	body := []member{{"EndPoints", "EndPointList"}, {"Fields", "FieldList"}, {"Name", "string"}, {"ARN", "string"}, {"SamplingRate", "long"}}
	shapes["CreateRealtimeLogConfigRequest"] = shape{kind: shapeStructure,
		members: []member{body[0], body[1], body[2], body[4]}, required: []string{"EndPoints", "Fields", "Name", "SamplingRate"}}
	shapes["UpdateRealtimeLogConfigRequest"] = shape{kind: shapeStructure, members: body}
	shapes["ListDistributionsByRealtimeLogConfigRequest"] = shape{kind: shapeStructure, members: []member{
		{"Marker", "string"}, {"MaxItems", "string"}, {"RealtimeLogConfigName", "string"}, {"RealtimeLogConfigArn", "string"}}}
	shapes["RealtimeLogConfigRef"] = shape{kind: shapeStructure, members: []member{body[2], body[3]}}
	shapes["EndPointList"] = shape{kind: shapeList, item: "member", itemShape: "EndPoint"}
	shapes["EndPoint"] = shape{kind: shapeStructure,
		members:  []member{{"StreamType", "string"}, {"KinesisStreamConfig", "KinesisStreamConfig"}},
		required: []string{"StreamType"}}
	shapes["KinesisStreamConfig"] = shape{kind: shapeStructure,
		members:  []member{{"RoleARN", "string"}, {"StreamARN", "string"}},
		required: []string{"RoleARN", "StreamARN"}}
	shapes["FieldList"] = shape{kind: shapeList, item: "Field", itemShape: "string"}
}

// realtimeLogRoutes registers the five real-time log config operations and
// ListDistributionsByRealtimeLogConfig.
func (s *Server) realtimeLogRoutes() {
	const v = "/2020-05-31"
	s.mux.HandleFunc("POST "+v+"/realtime-log-config", s.createRealtimeLogConfig)
	s.mux.HandleFunc("GET "+v+"/realtime-log-config", s.listRealtimeLogConfigs)
	s.mux.HandleFunc("PUT "+v+"/realtime-log-config", s.updateRealtimeLogConfig)
	s.mux.HandleFunc("POST "+v+"/get-realtime-log-config", s.getRealtimeLogConfig)
	s.mux.HandleFunc("POST "+v+"/delete-realtime-log-config", s.deleteRealtimeLogConfig)
	s.mux.HandleFunc("POST "+v+"/distributionsByRealtimeLogConfig", s.listDistributionsByRealtimeLogConfig)
}

// realtimeLogARN is the ARN of the configuration called name.
func (s *Server) realtimeLogARN(name string) string {
	return "arn:aws:cloudfront::" + s.accountID + ":realtime-log-config/" + name
}

// decodeRealtimeLogRequest parses a request whose root is root, checks it
// against shape and returns it.
func decodeRealtimeLogRequest(r *http.Request, root, shapeName string) (*distconfig.Node, *apiError) {
	c, aerr := parseBody(requestBody(r), root)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := validateShape(c, shapeName, root); aerr != nil {
		return nil, aerr
	}
	return c, nil
}

// checkRealtimeLogConfig applies CloudFront's rules to the members of a
// Create or Update request and returns the RealtimeLogConfig element to
// store.
func (s *Server) checkRealtimeLogConfig(c *distconfig.Node, what string) (*distconfig.Node, *apiError) {
	for _, m := range []string{"EndPoints", "Fields", "SamplingRate"} {
		if c.Child(m) == nil {
			// UpdateRealtimeLogConfig replaces the whole configuration:
			// CloudFront's documentation asks for every parameter.
			return nil, errorf("InvalidArgument", "%s.%s is required: give the whole configuration.", what, m)
		}
	}
	name := c.Value("Name")
	if name == "" || strings.TrimSpace(name) != name || strings.ContainsAny(name, "/ ") {
		return nil, errorf("InvalidArgument", "%s.Name %q is not a valid name: give a non-empty name without spaces or slashes (e.g. my-realtime-logs).", what, truncate(name, 100))
	}
	rateText := strings.TrimSpace(c.Value("SamplingRate"))
	rate, _ := strconv.ParseInt(rateText, 10, 64) // an integer: the shape check passed
	if rate < minSamplingRate || rate > maxSamplingRate {
		return nil, errorf("InvalidArgument", "%s.SamplingRate %s is out of range; it is a percentage of requests from %d to %d.", what, truncate(rateText, 40), minSamplingRate, maxSamplingRate)
	}
	fields := c.Child("Fields").All("Field")
	if len(fields) == 0 {
		return nil, errorf("InvalidArgument", "%s.Fields is empty; name at least one field (e.g. timestamp).", what)
	}
	seen := map[string]bool{}
	for _, f := range fields {
		name := strings.TrimSpace(f.Text)
		switch {
		case !logFieldName.MatchString(name):
			return nil, errorf("InvalidArgument", "%s.Fields holds %q, which is not a real-time log field name (e.g. timestamp, c-ip, sc-status).", what, truncate(name, 60))
		case seen[name]:
			return nil, errorf("InvalidArgument", "%s.Fields holds %q twice; name each field once.", what, name)
		}
		seen[name] = true
	}
	eps := c.Child("EndPoints").All("member")
	if len(eps) == 0 {
		return nil, errorf("InvalidArgument", "%s.EndPoints is empty; give one Kinesis endpoint (StreamType Kinesis, KinesisStreamConfig with StreamARN and RoleARN).", what)
	}
	for i, ep := range eps {
		at := fmt.Sprintf("%s.EndPoints[%d]", what, i+1)
		if t := ep.Value("StreamType"); t != "Kinesis" {
			return nil, errorf("InvalidArgument", "%s.StreamType %q is not supported; the only stream type is Kinesis.", at, truncate(t, 40))
		}
		kc := ep.Child("KinesisStreamConfig")
		if kc == nil {
			return nil, errorf("InvalidArgument", "%s.KinesisStreamConfig is required for StreamType Kinesis.", at)
		}
		if a := strings.TrimSpace(kc.Value("StreamARN")); !kinesisStreamARN.MatchString(a) {
			return nil, errorf("InvalidArgument", "%s.KinesisStreamConfig.StreamARN %q is not a Kinesis data stream ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME).", at, truncate(a, 200))
		}
		if a := strings.TrimSpace(kc.Value("RoleARN")); !iamRoleARN.MatchString(a) {
			return nil, errorf("InvalidArgument", "%s.KinesisStreamConfig.RoleARN %q is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME).", at, truncate(a, 200))
		}
	}
	out := &distconfig.Node{Name: "RealtimeLogConfig"}
	out.Append(leaf("ARN", s.realtimeLogARN(name)))
	out.Append(leaf("Name", name))
	out.Append(leaf("SamplingRate", strconv.FormatInt(rate, 10)))
	out.Append(c.Child("EndPoints").Clone())
	out.Append(c.Child("Fields").Clone())
	return out, nil
}

// realtimeLogName returns the Name a request identifies a configuration by
// (its Name, its ARN, or both when they agree).
func (s *Server) realtimeLogName(c *distconfig.Node) (string, *apiError) {
	name, arn := c.Value("Name"), strings.TrimSpace(c.Value("ARN"))
	if arn != "" {
		const prefix = ":realtime-log-config/"
		i := strings.Index(arn, prefix)
		if !strings.HasPrefix(arn, "arn:aws") || i < 0 || arn[i+len(prefix):] == "" {
			return "", errorf("InvalidArgument", "ARN %q is not a real-time log configuration's ARN (%s).", truncate(arn, 200), s.realtimeLogARN("NAME"))
		}
		fromARN := arn[i+len(prefix):]
		if name != "" && name != fromARN {
			return "", errorf("InvalidArgument", "Name %q and ARN %q name different real-time log configurations; give one of them, or both for the same one.", truncate(name, 100), truncate(arn, 200))
		}
		if arn != s.realtimeLogARN(fromARN) {
			return "", errorf("NoSuchRealtimeLogConfig", msgNoSuchRealtimeLogConfig)
		}
		return fromARN, nil
	}
	if name == "" {
		return "", errorf("InvalidArgument", "Give the real-time log configuration's Name or ARN.")
	}
	return name, nil
}

// loadRealtimeLogConfig returns the stored configuration called name.
func (s *Server) loadRealtimeLogConfig(ctx context.Context, name string) (*store.Resource, error) {
	res, err := s.store.GetResource(ctx, RealtimeLogConfigKind, name)
	if errors.Is(err, store.ErrNoResource) || errors.Is(err, store.ErrInvalidKey) {
		return nil, errorf("NoSuchRealtimeLogConfig", msgNoSuchRealtimeLogConfig)
	}
	return res, err
}

// writeRealtimeLogResult answers <root><RealtimeLogConfig>…</root>.
func (s *Server) writeRealtimeLogResult(w http.ResponseWriter, r *http.Request, status int, root string, res *store.Resource) {
	n := &distconfig.Node{Name: root, Nodes: []*distconfig.Node{res.Config.Clone()}}
	s.writeXML(w, r, status, xmlDocument{n})
}

func (s *Server) createRealtimeLogConfig(w http.ResponseWriter, r *http.Request) {
	const root = "CreateRealtimeLogConfigRequest"
	c, aerr := decodeRealtimeLogRequest(r, root, root)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	cfg, aerr := s.checkRealtimeLogConfig(c, root)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	now := s.now()
	name := cfg.Value("Name")
	res := &store.Resource{Kind: RealtimeLogConfigKind, ID: name, Name: name, ETag: newETag(),
		CreatedTime: now, LastModifiedTime: now, Config: cfg}
	realtimeLogCreateMu.Lock()
	defer realtimeLogCreateMu.Unlock()
	all, err := s.store.ListResources(r.Context(), RealtimeLogConfigKind)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, old := range all {
		if old.Name == name {
			s.writeError(w, r, errorf("RealtimeLogConfigAlreadyExists", "A real-time log configuration with this name already exists."))
			return
		}
	}
	if len(all) >= maxRealtimeLogConfigs {
		e := errorf("TooManyRealtimeLogConfigs", "You have reached the maximum number of real-time log configurations for this Amazon Web Services account.")
		e.Detail = fmt.Sprintf("%d exist, the limit is %d", len(all), maxRealtimeLogConfigs)
		s.writeError(w, r, e)
		return
	}
	err = s.store.CreateResource(r.Context(), res)
	if errors.Is(err, store.ErrResourceExists) {
		err = errorf("RealtimeLogConfigAlreadyExists", "A real-time log configuration with this name already exists.")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeRealtimeLogResult(w, r, http.StatusCreated, "CreateRealtimeLogConfigResult", res)
}

func (s *Server) getRealtimeLogConfig(w http.ResponseWriter, r *http.Request) {
	c, aerr := decodeRealtimeLogRequest(r, "GetRealtimeLogConfigRequest", "RealtimeLogConfigRef")
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	name, aerr := s.realtimeLogName(c)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	res, err := s.loadRealtimeLogConfig(r.Context(), name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeRealtimeLogResult(w, r, http.StatusOK, "GetRealtimeLogConfigResult", res)
}

func (s *Server) updateRealtimeLogConfig(w http.ResponseWriter, r *http.Request) {
	const root = "UpdateRealtimeLogConfigRequest"
	c, aerr := decodeRealtimeLogRequest(r, root, root)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	name, aerr := s.realtimeLogName(c)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	if _, err := s.loadRealtimeLogConfig(r.Context(), name); err != nil {
		s.writeError(w, r, err)
		return
	}
	if c.Child("Name") == nil {
		c.Append(leaf("Name", name))
	}
	cfg, aerr := s.checkRealtimeLogConfig(c, root)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	now := s.now()
	res, err := s.store.UpdateResource(r.Context(), RealtimeLogConfigKind, name, func(res *store.Resource) error {
		res.Config, res.ETag, res.LastModifiedTime = cfg, newETag(), now
		return nil
	})
	if errors.Is(err, store.ErrNoResource) {
		err = errorf("NoSuchRealtimeLogConfig", msgNoSuchRealtimeLogConfig)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeRealtimeLogResult(w, r, http.StatusOK, "UpdateRealtimeLogConfigResult", res)
}

func (s *Server) deleteRealtimeLogConfig(w http.ResponseWriter, r *http.Request) {
	c, aerr := decodeRealtimeLogRequest(r, "DeleteRealtimeLogConfigRequest", "RealtimeLogConfigRef")
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	name, aerr := s.realtimeLogName(c)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	if _, err := s.loadRealtimeLogConfig(r.Context(), name); err != nil {
		s.writeError(w, r, err)
		return
	}
	arn := s.realtimeLogARN(name)
	err := s.store.DeleteResource(r.Context(), RealtimeLogConfigKind, name, func(_ *store.Resource, in store.Snapshot) error {
		used, err := anyDistribution(in, func(c *distconfig.Node) bool {
			for _, b := range behaviorsOf(c) {
				if b.Value("RealtimeLogConfigArn") == arn {
					return true
				}
			}
			return false
		})
		if err != nil {
			return err
		}
		if used {
			return errorf("RealtimeLogConfigInUse", "Cannot delete the real-time log configuration because it is attached to one or more cache behaviors.")
		}
		return nil
	})
	if errors.Is(err, store.ErrNoResource) {
		err = errorf("NoSuchRealtimeLogConfig", msgNoSuchRealtimeLogConfig)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listRealtimeLogConfigs(w http.ResponseWriter, r *http.Request) {
	max, aerr := parseMaxItems(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	all, err := s.store.ListResources(r.Context(), RealtimeLogConfigKind)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	marker := r.URL.Query().Get("Marker")
	start := 0
	if marker != "" {
		start = -1
		for i, res := range all {
			if res.Name == marker {
				start = i + 1
				break
			}
		}
		if start < 0 {
			s.writeError(w, r, errorf("InvalidArgument", "Marker %q does not name a real-time log configuration; use the NextMarker of the previous page.", truncate(marker, 100)))
			return
		}
	}
	page := all[start:]
	truncated := len(page) > max
	if truncated {
		page = page[:max]
	}
	list := &distconfig.Node{Name: "RealtimeLogConfigs"}
	list.Append(leaf("MaxItems", strconv.Itoa(max)))
	if len(page) > 0 {
		items := list.Append(&distconfig.Node{Name: "Items"})
		for _, res := range page {
			m := res.Config.Clone()
			m.Name = "member"
			items.Append(m)
		}
	}
	list.Append(leaf("IsTruncated", strconv.FormatBool(truncated)))
	list.Append(leaf("Marker", marker))
	if truncated && len(page) > 0 {
		list.Append(leaf("NextMarker", page[len(page)-1].Name))
	}
	s.writeXML(w, r, http.StatusOK, xmlDocument{list})
}

// checkRealtimeLogConfigArns refuses a DistributionConfig whose cache
// behaviour names a real-time log configuration that does not exist
// (NoSuchRealtimeLogConfig) or belongs to another account
// (RealtimeLogConfigOwnerMismatch), as CreateDistribution and
// UpdateDistribution list in the model.
func (s *Server) checkRealtimeLogConfigArns(ctx context.Context, c *distconfig.Node) error {
	for _, b := range behaviorsOf(c) {
		arn := strings.TrimSpace(b.Value("RealtimeLogConfigArn"))
		if arn == "" {
			continue
		}
		const prefix = ":realtime-log-config/"
		i := strings.Index(arn, prefix)
		if !strings.HasPrefix(arn, "arn:aws") || i < 0 || arn[i+len(prefix):] == "" {
			return errorf("InvalidArgument", "RealtimeLogConfigArn %q is not a real-time log configuration's ARN (%s).", truncate(arn, 200), s.realtimeLogARN("NAME"))
		}
		name := arn[i+len(prefix):]
		if arn != s.realtimeLogARN(name) {
			e := errorf("RealtimeLogConfigOwnerMismatch", "The specified real-time log configuration belongs to a different Amazon Web Services account.")
			e.Detail = "RealtimeLogConfigArn " + truncate(arn, 200) + " is not of account " + s.accountID
			return e
		}
		if _, err := s.loadRealtimeLogConfig(ctx, name); err != nil {
			var ae *apiError
			if errors.As(err, &ae) {
				ae.Detail = "RealtimeLogConfigArn " + truncate(arn, 200) + " does not exist"
			}
			return err
		}
	}
	return nil
}

// listDistributionsByRealtimeLogConfig answers the distributions a cache
// behaviour of which names the configuration (by RealtimeLogConfigName or
// RealtimeLogConfigArn), as a DistributionList in the store's order. The
// model lists only InvalidArgument for it: a configuration no
// distribution uses, or none of that name, gives an empty list.
func (s *Server) listDistributionsByRealtimeLogConfig(w http.ResponseWriter, r *http.Request) {
	const root = "ListDistributionsByRealtimeLogConfigRequest"
	c, aerr := decodeRealtimeLogRequest(r, root, root)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	ref := &distconfig.Node{Name: "ref"}
	if v := c.Value("RealtimeLogConfigName"); v != "" {
		ref.Append(leaf("Name", v))
	}
	if v := c.Value("RealtimeLogConfigArn"); v != "" {
		ref.Append(leaf("ARN", v))
	}
	name, aerr := s.realtimeLogName(ref)
	if aerr != nil && aerr.Code != "NoSuchRealtimeLogConfig" {
		s.writeError(w, r, aerr)
		return
	}
	max := DefaultMaxItems
	if v := strings.TrimSpace(c.Value("MaxItems")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxMaxItems {
			s.writeError(w, r, errorf("InvalidArgument", "MaxItems %q is invalid: it must be an integer from 1 to %d.", truncate(v, 40), MaxMaxItems))
			return
		}
		max = n
	}
	all, err := s.allDistributions(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	arn := s.realtimeLogARN(name)
	var using []*store.Distribution
	for _, d := range all {
		for _, b := range behaviorsOf(d.Config) {
			if aerr == nil && b.Value("RealtimeLogConfigArn") == arn {
				using = append(using, d)
				break
			}
		}
	}
	marker := c.Value("Marker")
	start := 0
	if marker != "" {
		start = -1
		for i, d := range using {
			if d.ID == marker {
				start = i + 1
				break
			}
		}
		if start < 0 {
			s.writeError(w, r, errorf("InvalidArgument", "Marker %q does not name a distribution of this list; use the NextMarker of the previous page.", truncate(marker, 40)))
			return
		}
	}
	page := using[start:]
	truncated := len(page) > max
	if truncated {
		page = page[:max]
	}
	out := &xmlDistributionList{Marker: marker, MaxItems: max, IsTruncated: truncated, Quantity: len(page)}
	if len(page) > 0 {
		out.Items = &xmlItems{}
	}
	for _, d := range page {
		out.Items.Nodes = append(out.Items.Nodes, s.summaryOf(d))
	}
	if truncated {
		out.NextMarker = page[len(page)-1].ID
	}
	s.writeXML(w, r, http.StatusOK, out)
}
