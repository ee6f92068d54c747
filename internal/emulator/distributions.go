package emulator

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// validateConfig checks the members of a DistributionConfig that the model
// requires, every {Quantity, Items} list, and that each cache behaviour
// targets an existing origin or origin group. Everything else is kept as
// sent without checks.
func validateConfig(c *distconfig.Node) *apiError {
	if aerr := checkQuantities(c, "DistributionConfig"); aerr != nil {
		return aerr
	}
	required := func(path ...string) *apiError {
		n := c.Find(path...)
		if n == nil || len(n.Nodes) == 0 && strings.TrimSpace(n.Text) == "" {
			return errorf("InvalidArgument", "DistributionConfig.%s is required.", strings.Join(path, "."))
		}
		return nil
	}
	if aerr := required("CallerReference"); aerr != nil {
		return aerr
	}
	if !c.Has("Comment") {
		return errorf("InvalidArgument", "DistributionConfig.Comment is required (it may be empty).")
	}
	if aerr := checkConfigLimits(c); aerr != nil {
		return aerr
	}
	switch c.Value("Enabled") {
	case "true", "false":
	case "":
		return errorf("InvalidArgument", "DistributionConfig.Enabled is required.")
	default:
		return errorf("InvalidArgument", "DistributionConfig.Enabled must be true or false, not %q.", truncate(c.Value("Enabled"), 40))
	}
	if aerr := required("Origins", "Items"); aerr != nil {
		return aerr
	}
	targets := map[string]bool{}
	for i, o := range c.Find("Origins", "Items").Nodes {
		id, domain := o.Value("Id"), o.Value("DomainName")
		switch {
		case o.Name != "Origin":
			return fixed("MalformedXML", "DistributionConfig.Origins.Items holds <%s>, want <Origin>.", o.Name)
		case id == "":
			return errorf("InvalidArgument", "DistributionConfig.Origins.Items.Origin[%d].Id is required.", i+1)
		case domain == "":
			return errorf("InvalidArgument", "DistributionConfig.Origins.Items.Origin[%d].DomainName is required.", i+1)
		case targets[id]:
			return errorf("InvalidArgument", "The origin Id %q is used by more than one origin.", truncate(id, 100))
		}
		if o.Has("S3OriginConfig") {
			if _, ok := distconfig.S3Bucket(domain); !ok {
				e := errorf("InvalidArgument", "The parameter Origin DomainName does not refer to a valid S3 bucket.")
				e.Detail = fmt.Sprintf("origin %q has S3OriginConfig but DomainName %q is not BUCKET.s3[.REGION].amazonaws.com", truncate(id, 100), truncate(domain, 100))
				return e
			}
		}
		targets[id] = true
	}
	for _, g := range c.Find("OriginGroups", "Items").All("OriginGroup") {
		targets[g.Value("Id")] = true
	}
	if aerr := required("DefaultCacheBehavior", "TargetOriginId"); aerr != nil {
		return aerr
	}
	behaviors := []*distconfig.Node{c.Child("DefaultCacheBehavior")}
	behaviors = append(behaviors, c.Find("CacheBehaviors", "Items").All("CacheBehavior")...)
	for i, b := range behaviors {
		what := "DefaultCacheBehavior"
		if i > 0 {
			what = fmt.Sprintf("CacheBehaviors.Items.CacheBehavior[%d]", i)
		}
		switch vpp := b.Value("ViewerProtocolPolicy"); vpp {
		case "allow-all", "https-only", "redirect-to-https":
		case "":
			return errorf("InvalidArgument", "DistributionConfig.%s.ViewerProtocolPolicy is required.", what)
		default:
			return errorf("InvalidArgument", "DistributionConfig.%s.ViewerProtocolPolicy %q is not one of allow-all, https-only, redirect-to-https.", what, truncate(vpp, 40))
		}
		if t := b.Value("TargetOriginId"); !targets[t] {
			return fixed("NoSuchOrigin", "DistributionConfig.%s.TargetOriginId %q names no origin.", what, truncate(t, 100))
		}
	}
	if aerr := checkConfigWebACLID(c); aerr != nil {
		return aerr
	}
	return validateErrorResponses(c)
}

// Status codes CloudFront accepts in a CustomErrorResponse: the errors it
// caches, and what it may answer instead.
var (
	customErrorCodes    = []string{"400", "403", "404", "405", "414", "416", "500", "501", "502", "503", "504"}
	customResponseCodes = append([]string{"200"}, customErrorCodes...)
)

// validateErrorResponses checks CustomErrorResponses as CloudFront does:
// InvalidErrorCode, InvalidResponseCode, InvalidRelativePath for a page
// path without a leading '/', and InvalidArgument for a ResponseCode
// without a page.
func validateErrorResponses(c *distconfig.Node) *apiError {
	for i, e := range c.Find("CustomErrorResponses", "Items").All("CustomErrorResponse") {
		what := fmt.Sprintf("DistributionConfig.CustomErrorResponses.Items.CustomErrorResponse[%d]", i+1)
		code, resp, page := strings.TrimSpace(e.Value("ErrorCode")), strings.TrimSpace(e.Value("ResponseCode")), e.Value("ResponsePagePath")
		switch {
		case !slices.Contains(customErrorCodes, code):
			return fixed("InvalidErrorCode", "%s.ErrorCode %q is not one of %s.", what, truncate(code, 20), strings.Join(customErrorCodes, ", "))
		case resp != "" && !slices.Contains(customResponseCodes, resp):
			return fixed("InvalidResponseCode", "%s.ResponseCode %q is not one of %s.", what, truncate(resp, 20), strings.Join(customResponseCodes, ", "))
		case page != "" && !strings.HasPrefix(page, "/"):
			return fixed("InvalidRelativePath", "%s.ResponsePagePath %q.", what, truncate(page, 100))
		case resp != "" && page == "":
			return errorf("InvalidArgument", "%s has a ResponseCode but no ResponsePagePath; a response code needs a page.", what)
		}
	}
	return nil
}

// checkQuantities walks n and checks every element that has a Quantity
// child against its Items.
func checkQuantities(n *distconfig.Node, path string) *apiError {
	if n.Child("Quantity") != nil && len(n.Child("Quantity").Nodes) == 0 {
		if _, aerr := quantityOf(n, path); aerr != nil {
			return aerr
		}
	}
	for _, c := range n.Nodes {
		if len(c.Nodes) > 0 {
			if aerr := checkQuantities(c, path+"."+c.Name); aerr != nil {
				return aerr
			}
		}
	}
	return nil
}

func (s *Server) decodeConfig(r *http.Request) (*distconfig.Node, *apiError) {
	c, aerr := parseBody(requestBody(r), "DistributionConfig")
	if aerr != nil {
		return nil, aerr
	}
	return completeConfig(c)
}

// completeConfig validates a client's DistributionConfig and returns it
// with CloudFront's defaults, as stored.
func completeConfig(c *distconfig.Node) (*distconfig.Node, *apiError) {
	if aerr := validateConfig(c); aerr != nil {
		return nil, aerr
	}
	return withDefaults(c), nil
}

// decodeConfigWithTags parses a DistributionConfigWithTags body
// (CreateDistributionWithTags): both members are required by the model.
func decodeConfigWithTags(r *http.Request) (*distconfig.Node, []store.Tag, *apiError) {
	n, aerr := parseBody(requestBody(r), "DistributionConfigWithTags")
	if aerr != nil {
		return nil, nil, aerr
	}
	c, tn := n.Child("DistributionConfig"), n.Child("Tags")
	switch {
	case c == nil:
		return nil, nil, errorf("InvalidArgument", "DistributionConfigWithTags.DistributionConfig is required.")
	case tn == nil:
		return nil, nil, errorf("InvalidArgument", "DistributionConfigWithTags.Tags is required (it may hold no items).")
	}
	for _, m := range n.Nodes {
		if m.Name != "DistributionConfig" && m.Name != "Tags" {
			return nil, nil, fixed("MalformedXML", "<DistributionConfigWithTags> holds <%s>, want <DistributionConfig> and <Tags>.", m.Name)
		}
	}
	c, aerr = completeConfig(c)
	if aerr != nil {
		return nil, nil, aerr
	}
	tags, aerr := parseTags(tn)
	if aerr != nil {
		return nil, nil, aerr
	}
	return c, tags, nil
}

// createDistribution serves CreateDistribution and, with ?WithTags,
// CreateDistributionWithTags; both answer the same Distribution.
func (s *Server) createDistribution(w http.ResponseWriter, r *http.Request) {
	var (
		c    *distconfig.Node
		tags []store.Tag
		aerr *apiError
	)
	if r.URL.Query().Has("WithTags") {
		c, tags, aerr = decodeConfigWithTags(r)
	} else {
		c, aerr = s.decodeConfig(r)
	}
	if aerr == nil {
		aerr = checkNewDistribution(c)
	}
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	if err := s.checkReferences(r.Context(), c); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.checkCNAMEs(r.Context(), "", "", aliasesOf(c)); err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.now()
	id := newDistributionID()
	d := &store.Distribution{
		ID:               id,
		ARN:              s.arn(id),
		DomainName:       newDomainName(),
		ETag:             newETag(),
		Status:           store.StatusInProgress,
		LastModifiedTime: now,
		DeployedAt:       now.Add(s.delay),
		CallerReference:  c.Value("CallerReference"),
		Config:           c,
		Tags:             tags,
	}
	err := s.store.CreateDistribution(r.Context(), d)
	switch {
	case errors.Is(err, store.ErrDistributionExists):
		var ee *store.ExistsError
		existing := id
		if errors.As(err, &ee) {
			existing = ee.ID
		}
		s.writeError(w, r, errorf("DistributionAlreadyExists",
			"The caller reference that you are using to create a distribution is associated with another distribution. Already exists: %s", existing))
		return
	case err != nil:
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", location(r, "/2020-05-31/distribution/"+id))
	w.Header().Set("ETag", d.ETag)
	s.writeXML(w, r, http.StatusCreated, s.wireDistribution(d, 0))
}

func (s *Server) wireDistribution(d *store.Distribution, inProgress int) *xmlDistribution {
	// withDefaults is idempotent; applied on read too, it completes a
	// config stored before a default was known.
	return &xmlDistribution{
		ID:                            d.ID,
		ARN:                           d.ARN,
		Status:                        d.StatusAt(s.now()),
		LastModifiedTime:              wireTime(d.LastModifiedTime),
		InProgressInvalidationBatches: inProgress,
		DomainName:                    d.DomainName,
		DistributionConfig:            withDefaults(d.Config),
	}
}

// lookup returns the distribution named in the path and its running
// invalidation count, or writes the error and returns nil.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request) (*store.Distribution, int) {
	id := r.PathValue("id")
	d, err := s.store.GetDistribution(r.Context(), id)
	if err == nil {
		var n int
		if n, err = s.store.CountInProgress(r.Context(), id, s.now()); err == nil {
			return d, n
		}
	}
	if errors.Is(err, store.ErrNoDistribution) {
		err = errorf("NoSuchDistribution", msgNoSuchDistribution)
	}
	s.writeError(w, r, err)
	return nil, 0
}

func (s *Server) getDistribution(w http.ResponseWriter, r *http.Request) {
	d, n := s.lookup(w, r)
	if d == nil {
		return
	}
	w.Header().Set("ETag", d.ETag)
	s.writeXML(w, r, http.StatusOK, s.wireDistribution(d, n))
}

func (s *Server) getDistributionConfig(w http.ResponseWriter, r *http.Request) {
	d, _ := s.lookup(w, r)
	if d == nil {
		return
	}
	w.Header().Set("ETag", d.ETag)
	s.writeXML(w, r, http.StatusOK, xmlDocument{withDefaults(d.Config)})
}

func (s *Server) listDistributions(w http.ResponseWriter, r *http.Request) {
	max, aerr := parseMaxItems(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	marker := r.URL.Query().Get("Marker")
	items, truncated, err := s.store.ListDistributions(r.Context(), marker, max)
	switch {
	case errors.Is(err, store.ErrBadMarker):
		s.writeError(w, r, errorf("InvalidArgument", "Marker %q does not name a distribution.", truncate(marker, 40)))
		return
	case err != nil:
		s.writeError(w, r, err)
		return
	}
	out := &xmlDistributionList{Marker: marker, MaxItems: max, IsTruncated: truncated, Quantity: len(items)}
	if len(items) > 0 {
		out.Items = &xmlItems{}
	}
	for _, d := range items {
		out.Items.Nodes = append(out.Items.Nodes, s.summaryOf(d))
	}
	if truncated {
		out.NextMarker = items[len(items)-1].ID
	}
	s.writeXML(w, r, http.StatusOK, out)
}

func leaf(name, text string) *distconfig.Node { return &distconfig.Node{Name: name, Text: text} }

func emptyList(name string) *distconfig.Node {
	return &distconfig.Node{Name: name, Nodes: []*distconfig.Node{leaf("Quantity", "0")}}
}

// summaryOf builds a DistributionSummary with all 19 members the model
// requires, in the model's order, copying each from the config or, when
// the config lacks it (a config stored before withDefaults), using
// CloudFront's default.
func (s *Server) summaryOf(d *store.Distribution) *distconfig.Node {
	c := d.Config
	copyOr := func(name string, def *distconfig.Node) *distconfig.Node {
		if n := c.Child(name); n != nil {
			return n.Clone()
		}
		return def
	}
	valueOr := func(name, def string) *distconfig.Node {
		if n := c.Child(name); n != nil && len(n.Nodes) == 0 {
			return leaf(name, n.Text)
		}
		return leaf(name, def)
	}
	valueOrDefault := func(name string) *distconfig.Node { return valueOr(name, configDefault(name).Text) }
	sum := &distconfig.Node{Name: "DistributionSummary", Nodes: []*distconfig.Node{
		leaf("Id", d.ID),
		leaf("ARN", d.ARN),
		leaf("ETag", d.ETag),
		leaf("Status", d.StatusAt(s.now())),
		leaf("LastModifiedTime", wireTime(d.LastModifiedTime)),
		leaf("DomainName", d.DomainName),
		copyOr("Aliases", configDefault("Aliases")),
		copyOr("Origins", emptyList("Origins")),
		copyOr("OriginGroups", configDefault("OriginGroups")),
		copyOr("DefaultCacheBehavior", &distconfig.Node{Name: "DefaultCacheBehavior"}),
		copyOr("CacheBehaviors", configDefault("CacheBehaviors")),
		copyOr("CustomErrorResponses", configDefault("CustomErrorResponses")),
		valueOr("Comment", ""),
		valueOrDefault("PriceClass"),
		valueOr("Enabled", "false"),
		copyOr("ViewerCertificate", configDefault("ViewerCertificate")),
		copyOr("Restrictions", configDefault("Restrictions")),
		valueOrDefault("WebACLId"),
		valueOrDefault("HttpVersion"),
		valueOrDefault("IsIPV6Enabled"),
		valueOrDefault("Staging"),
	}}
	// The model's optional members after Staging, when the config has
	// them (issue 27: what the look-ups by connection mode, connection
	// function and trust store select on).
	for _, name := range []string{"ConnectionMode", "AnycastIpListId", "ViewerMtlsConfig", "ConnectionFunctionAssociation"} {
		if n := c.Child(name); n != nil {
			sum.Append(n.Clone())
		}
	}
	return sum
}

// ifMatch returns the If-Match header, or an InvalidIfMatchVersion error.
func ifMatch(r *http.Request) (string, *apiError) {
	v := r.Header.Get("If-Match")
	if v == "" {
		return "", errorf("InvalidIfMatchVersion", "The If-Match version is missing or not valid for the resource.")
	}
	return v, nil
}

func errPreconditionFailed() *apiError {
	return errorf("PreconditionFailed", "The precondition given in one or more of the request header fields evaluated to false.")
}

func (s *Server) updateDistribution(w http.ResponseWriter, r *http.Request) {
	etag, aerr := ifMatch(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	c, aerr := s.decodeConfig(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	if err := s.checkReferences(r.Context(), c); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.checkDistributionUpdate(r.Context(), r.PathValue("id"), c); err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.now()
	id := r.PathValue("id")
	d, err := s.store.UpdateDistribution(r.Context(), id, func(d *store.Distribution) error {
		if d.ETag != etag {
			return errPreconditionFailed()
		}
		if ref := c.Value("CallerReference"); ref != d.CallerReference {
			return errorf("InvalidArgument", "The CallerReference %q in the config does not match the distribution's %q; it cannot be changed.", truncate(ref, 100), d.CallerReference)
		}
		d.Config = c
		d.ETag = newETag()
		d.Status = store.StatusInProgress
		d.LastModifiedTime = now
		d.DeployedAt = now.Add(s.delay)
		return nil
	})
	if errors.Is(err, store.ErrNoDistribution) {
		err = errorf("NoSuchDistribution", msgNoSuchDistribution)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	n, err := s.store.CountInProgress(r.Context(), id, now)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", d.ETag)
	s.writeXML(w, r, http.StatusOK, s.wireDistribution(d, n))
}

func (s *Server) deleteDistribution(w http.ResponseWriter, r *http.Request) {
	etag, aerr := ifMatch(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	id := r.PathValue("id")
	if aerr := s.tenantsOf(r.Context(), id); aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	if err := s.checkStagingDelete(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	err := s.store.DeleteDistribution(r.Context(), id, func(d *store.Distribution) error {
		if d.ETag != etag {
			return errPreconditionFailed()
		}
		if d.Config.Value("Enabled") != "false" {
			return errorf("DistributionNotDisabled", "The distribution you are trying to delete has not been disabled.")
		}
		return nil
	})
	if errors.Is(err, store.ErrNoDistribution) {
		err = errorf("NoSuchDistribution", msgNoSuchDistribution)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.dropMonitoringSubscription(r.Context(), id)
	w.WriteHeader(http.StatusNoContent)
}
