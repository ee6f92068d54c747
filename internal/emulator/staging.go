package emulator

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// Staging distributions and their primaries (issue 27). A staging
// distribution has Staging true; it is made by CopyDistribution or by
// CreateDistribution with Staging true (as the Terraform AWS provider
// does). A primary names a continuous deployment policy in
// ContinuousDeploymentPolicyId, and the policy names the staging
// distribution by its domain name.

// isStaging reports whether a DistributionConfig is a staging
// distribution's.
func isStaging(c *distconfig.Node) bool { return c.Value("Staging") == "true" }

// checkNewDistribution applies the continuous deployment rules to a
// CreateDistribution config: no policy yet (CloudFront answers
// "Continuous deployment policy is not supported during distribution
// creation.", as the Terraform AWS provider's acceptance tests record),
// and a staging distribution has no alternate domain names.
func checkNewDistribution(c *distconfig.Node) *apiError {
	if id := c.Value("ContinuousDeploymentPolicyId"); id != "" {
		e := errorf("InvalidArgument", "Continuous deployment policy is not supported during distribution creation.")
		e.Detail = "ContinuousDeploymentPolicyId " + truncate(id, 60) + ": create the distribution, then name the policy with UpdateDistribution"
		return e
	}
	return checkStagingConfig(c)
}

// checkStagingConfig refuses a staging distribution's config that has
// Aliases or a ContinuousDeploymentPolicyId: viewers cannot reach a
// staging distribution by a CNAME, only through its primary
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/understanding-continuous-deployment.html),
// and a staging distribution is no primary.
func checkStagingConfig(c *distconfig.Node) *apiError {
	if !isStaging(c) {
		return nil
	}
	if aliases := c.Find("Aliases", "Items").All("CNAME"); len(aliases) > 0 {
		return errorf("InvalidArgument", "A staging distribution cannot have alternate domain names: DistributionConfig.Aliases holds %q; viewers reach a staging distribution only through its primary.", truncate(aliases[0].Text, 100))
	}
	if id := c.Value("ContinuousDeploymentPolicyId"); id != "" {
		return errorf("InvalidArgument", "A staging distribution cannot have a continuous deployment policy: DistributionConfig.ContinuousDeploymentPolicyId is %q; name the policy in the primary distribution's config.", truncate(id, 60))
	}
	return nil
}

// checkDistributionUpdate applies the continuous deployment rules to an
// UpdateDistribution of distribution id to config c: Staging cannot
// change, a staging config has no aliases or policy, and a
// ContinuousDeploymentPolicyId names an existing policy, used by no other
// distribution, whose staging distribution exists. It also refuses
// aliases another distribution or a tenant has (checkCNAMEs), once the
// distribution is known to exist: an unknown one answers
// NoSuchDistribution, not a conflict.
func (s *Server) checkDistributionUpdate(ctx context.Context, id string, c *distconfig.Node) error {
	old, err := s.store.GetDistribution(ctx, id)
	if errors.Is(err, store.ErrNoDistribution) {
		return nil // the update answers NoSuchDistribution
	}
	if err != nil {
		return err
	}
	if isStaging(c) != isStaging(old.Config) {
		e := errorf("IllegalUpdate", "The update contains modifications that are not allowed.")
		e.Detail = "Staging is " + c.Value("Staging") + ", the distribution's is " + old.Config.Value("Staging") + "; it cannot change"
		return e
	}
	if aerr := checkStagingConfig(c); aerr != nil {
		return aerr
	}
	if err := s.checkCNAMEs(ctx, id, "", aliasesOf(c)); err != nil {
		return err
	}
	pid := c.Value("ContinuousDeploymentPolicyId")
	if pid == "" {
		return nil
	}
	p, err := s.policyOf(ctx, pid)
	if err != nil {
		return err
	}
	if p == nil {
		e := s.noSuch(continuousDeploymentPolicies)
		e.Detail = "ContinuousDeploymentPolicyId " + truncate(pid, 60) + " does not exist"
		return e
	}
	dns := stagingDNSName(p.Config)
	sd, err := s.distributionByDomain(ctx, dns)
	if err != nil {
		return err
	}
	if sd == nil || !isStaging(sd.Config) {
		return errorf("InvalidArgument", "The continuous deployment policy %s names the staging distribution domain name %q, which is no staging distribution's; update the policy first.", pid, truncate(dns, 100))
	}
	all, err := s.allDistributions(ctx)
	if err != nil {
		return err
	}
	for _, d := range all {
		if d.ID != id && d.Config.Value("ContinuousDeploymentPolicyId") == pid {
			e := errorf("ContinuousDeploymentPolicyInUse", "%s", continuousDeploymentPolicies.inUseMsg)
			e.Detail = "policy " + pid + " is the continuous deployment policy of distribution " + d.ID
			return e
		}
	}
	return nil
}

// checkStagingDelete refuses to delete a staging distribution that a
// continuous deployment policy attached to a primary routes to
// (ResourceInUse): detach the policy from the primary first.
func (s *Server) checkStagingDelete(ctx context.Context, id string) error {
	d, err := s.store.GetDistribution(ctx, id)
	if errors.Is(err, store.ErrNoDistribution) {
		return nil // the delete answers NoSuchDistribution
	}
	if err != nil || !isStaging(d.Config) {
		return err
	}
	policies, err := s.store.ListResources(ctx, continuousDeploymentPolicies.kind)
	if err != nil {
		return err
	}
	all, err := s.allDistributions(ctx)
	if err != nil {
		return err
	}
	for _, p := range policies {
		if !strings.EqualFold(p.Name, d.DomainName) {
			continue
		}
		for _, primary := range all {
			if primary.Config.Value("ContinuousDeploymentPolicyId") == p.ID {
				e := errorf("ResourceInUse", "Cannot delete this resource because it is in use.")
				e.Detail = "staging distribution " + id + " is the target of continuous deployment policy " + p.ID + " of primary distribution " + primary.ID
				return e
			}
		}
	}
	return nil
}

// copyDistribution serves CopyDistribution: a new staging distribution
// with the primary's config, its own ID, domain name and CallerReference,
// no aliases and no policy.
func (s *Server) copyDistribution(w http.ResponseWriter, r *http.Request) {
	body, aerr := parseBody(requestBody(r), "CopyDistributionRequest")
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	for _, m := range body.Nodes {
		if m.Name != "CallerReference" && m.Name != "Enabled" {
			s.writeError(w, r, fixed("MalformedXML", "<CopyDistributionRequest> holds <%s>, want <CallerReference> and <Enabled>.", m.Name))
			return
		}
	}
	ref := body.Value("CallerReference")
	if ref == "" {
		s.writeError(w, r, errorf("InvalidArgument", "CopyDistributionRequest.CallerReference is required."))
		return
	}
	if aerr := checkCallerReference("CopyDistributionRequest.CallerReference", ref); aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	enabled := "true" // the documented default
	if body.Has("Enabled") {
		enabled = strings.TrimSpace(body.Value("Enabled"))
		if enabled != "true" && enabled != "false" {
			s.writeError(w, r, fixed("MalformedXML", "CopyDistributionRequest.Enabled %q is not true or false", truncate(enabled, 40)))
			return
		}
	}
	if st := r.Header.Get("Staging"); !strings.EqualFold(st, "true") {
		s.writeError(w, r, errorf("InvalidArgument", "The Staging header is %q; the only valid value is true: CopyDistribution makes a staging distribution.", truncate(st, 40)))
		return
	}
	primary, _ := s.lookup(w, r)
	if primary == nil {
		return
	}
	if etag := r.Header.Get("If-Match"); etag != "" && etag != primary.ETag {
		s.writeError(w, r, errPreconditionFailed())
		return
	}
	if isStaging(primary.Config) {
		s.writeError(w, r, errorf("InvalidArgument", "Distribution %s is a staging distribution; copy its primary distribution instead.", primary.ID))
		return
	}
	c := withDefaults(primary.Config)
	c.Set("CallerReference", ref)
	c.Set("Enabled", enabled)
	c.Set("Staging", "true")
	c.Set("ContinuousDeploymentPolicyId", "")
	if a := c.Child("Aliases"); a != nil {
		*a = *emptyList("Aliases")
	}
	now := s.now()
	id := newDistributionID()
	d := &store.Distribution{
		ID: id, ARN: s.arn(id), DomainName: newDomainName(), ETag: newETag(),
		Status: store.StatusInProgress, LastModifiedTime: now, DeployedAt: now.Add(s.delay),
		CallerReference: ref, Config: c,
	}
	err := s.store.CreateDistribution(r.Context(), d)
	var ee *store.ExistsError
	switch {
	case errors.As(err, &ee):
		s.writeError(w, r, errorf("DistributionAlreadyExists",
			"The caller reference that you are using to create a distribution is associated with another distribution. Already exists: %s", ee.ID))
		return
	case err != nil:
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", location(r, "/2020-05-31/distribution/"+id))
	w.Header().Set("ETag", d.ETag)
	s.writeXML(w, r, http.StatusCreated, s.wireDistribution(d, 0))
}

// promoteStagingConfig serves UpdateDistributionWithStagingConfig: the
// staging distribution's config replaces the primary's, but for the
// primary's Aliases, ContinuousDeploymentPolicyId (and CallerReference and
// Staging, which are the primary's own), and the policy is disabled, as
// the operation's documentation says. If-Match is "<primary ETag>,
// <staging ETag>".
func (s *Server) promoteStagingConfig(w http.ResponseWriter, r *http.Request) {
	ifm, aerr := ifMatch(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	primaryTag, stagingTag, ok := strings.Cut(ifm, ",")
	primaryTag, stagingTag = strings.TrimSpace(primaryTag), strings.TrimSpace(stagingTag)
	if !ok || primaryTag == "" || stagingTag == "" || strings.Contains(stagingTag, ",") {
		e := errorf("InvalidIfMatchVersion", "The If-Match version is missing or not valid for the resource.")
		e.Detail = "If-Match " + truncate(ifm, 100) + " is not \"<primary ETag>, <staging ETag>\""
		s.writeError(w, r, e)
		return
	}
	stagingID := r.URL.Query().Get("StagingDistributionId")
	if stagingID == "" {
		s.writeError(w, r, errorf("InvalidArgument", "StagingDistributionId is required: the staging distribution whose config to copy to the primary."))
		return
	}
	ctx := r.Context()
	staging, err := s.store.GetDistribution(ctx, stagingID)
	if errors.Is(err, store.ErrNoDistribution) {
		e := errorf("NoSuchDistribution", msgNoSuchDistribution)
		e.Detail = "StagingDistributionId " + truncate(stagingID, 40)
		s.writeError(w, r, e)
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !isStaging(staging.Config) {
		s.writeError(w, r, errorf("InvalidArgument", "Distribution %s is not a staging distribution (its Staging is false).", staging.ID))
		return
	}
	if staging.ETag != stagingTag {
		s.writeError(w, r, errPreconditionFailed())
		return
	}
	primaryID := r.PathValue("id")
	policyID, err := s.stagingPolicy(ctx, primaryID, staging)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.now()
	d, err := s.store.UpdateDistribution(ctx, primaryID, func(d *store.Distribution) error {
		if d.ETag != primaryTag || d.Config.Value("ContinuousDeploymentPolicyId") != policyID {
			return errPreconditionFailed()
		}
		c := withDefaults(staging.Config)
		c.Set("CallerReference", d.CallerReference)
		c.Set("Staging", "false")
		c.Set("ContinuousDeploymentPolicyId", policyID)
		if a, keep := c.Child("Aliases"), d.Config.Child("Aliases"); a != nil && keep != nil {
			*a = *keep.Clone()
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
	// The policy is disabled: the domain's traffic goes back to the
	// primary.
	_, err = s.store.UpdateResource(ctx, continuousDeploymentPolicies.kind, policyID, func(p *store.Resource) error {
		if p.Config.Value("Enabled") == "false" {
			return errUnchanged
		}
		p.Config.Set("Enabled", "false")
		p.ETag, p.LastModifiedTime = newETag(), now
		return nil
	})
	if err != nil && !errors.Is(err, errUnchanged) && !errors.Is(err, store.ErrNoResource) {
		s.writeError(w, r, err)
		return
	}
	n, err := s.store.CountInProgress(ctx, primaryID, now)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", d.ETag)
	s.writeXML(w, r, http.StatusOK, s.wireDistribution(d, n))
}

// stagingPolicy returns the ID of the continuous deployment policy of
// distribution primaryID, after checking that it routes to staging: the
// primary exists (NoSuchDistribution), has a policy and the policy names
// staging's domain name (InvalidArgument).
func (s *Server) stagingPolicy(ctx context.Context, primaryID string, staging *store.Distribution) (string, error) {
	primary, err := s.store.GetDistribution(ctx, primaryID)
	if errors.Is(err, store.ErrNoDistribution) {
		return "", errorf("NoSuchDistribution", msgNoSuchDistribution)
	}
	if err != nil {
		return "", err
	}
	pid := primary.Config.Value("ContinuousDeploymentPolicyId")
	if pid == "" {
		return "", errorf("InvalidArgument", "Distribution %s has no continuous deployment policy, so %s is not its staging distribution; name a policy for it with UpdateDistribution first.", primaryID, staging.ID)
	}
	p, err := s.policyOf(ctx, pid)
	if err != nil {
		return "", err
	}
	if p == nil || !strings.EqualFold(p.Name, staging.DomainName) {
		return "", errorf("InvalidArgument", "The continuous deployment policy %s of distribution %s does not name %s (%s) as its staging distribution.", pid, primaryID, staging.ID, staging.DomainName)
	}
	return pid, nil
}

// errUnchanged stops an update that has nothing to change.
var errUnchanged = errors.New("nothing to change")
