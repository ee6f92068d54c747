package emulator

import (
	"context"
	"errors"
	"net/http"

	"github.com/cfinv/cfinv/internal/store"
)

// Monitoring subscriptions (issue 27): a distribution's additional
// CloudWatch metrics switch, kept as a store.Resource whose ID is the
// distribution's, so it is persisted with the other resources and goes
// with its distribution (DeleteDistribution).
//
// CreateMonitoringSubscription on a distribution that already has one
// replaces it: the Terraform AWS provider's
// aws_cloudfront_monitoring_subscription updates through Create
// (UpdateWithoutTimeout: resourceMonitoringSubscriptionCreate), which works
// against CloudFront. MonitoringSubscriptionAlreadyExists, in the model's
// error list, is therefore never answered.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/viewing-cloudfront-metrics.html

// MonitoringSubscriptionKind is the store kind of monitoring subscriptions.
const MonitoringSubscriptionKind = "monitoring-subscription"

func init() {
	// Statuses from the model (botocore service-2.json).
	for code, status := range map[string]int{
		"MonitoringSubscriptionAlreadyExists": http.StatusConflict,
		"NoSuchMonitoringSubscription":        http.StatusNotFound,
	} {
		statusOf[code] = status
	}
	for _, op := range []string{
		"CreateMonitoringSubscription", "GetMonitoringSubscription", "DeleteMonitoringSubscription",
	} {
		implemented[op] = true
	}
	// The model's shapes of the request (kept here, not in
	// shapes_gen.go, so this resource touches no shared table).
	shapes["MonitoringSubscription"] = shape{kind: shapeStructure,
		members: []member{{"RealtimeMetricsSubscriptionConfig", "RealtimeMetricsSubscriptionConfig"}}}
	shapes["RealtimeMetricsSubscriptionConfig"] = shape{kind: shapeStructure,
		members:  []member{{"RealtimeMetricsSubscriptionStatus", "RealtimeMetricsSubscriptionStatus"}},
		required: []string{"RealtimeMetricsSubscriptionStatus"}}
	shapes["RealtimeMetricsSubscriptionStatus"] = shape{kind: shapeEnum, enum: []string{"Enabled", "Disabled"}}
}

const msgNoSuchMonitoringSubscription = "The specified monitoring subscription does not exist."

// monitoringRoutes registers the three monitoring subscription operations.
func (s *Server) monitoringRoutes() {
	const p = "/2020-05-31/distributions/{id}/monitoring-subscription"
	s.mux.HandleFunc("POST "+p, s.createMonitoringSubscription)
	s.mux.HandleFunc("GET "+p, s.getMonitoringSubscription)
	s.mux.HandleFunc("DELETE "+p, s.deleteMonitoringSubscription)
}

// distributionExists answers NoSuchDistribution when id names none.
func (s *Server) distributionExists(ctx context.Context, id string) error {
	_, err := s.store.GetDistribution(ctx, id)
	if errors.Is(err, store.ErrNoDistribution) {
		return errorf("NoSuchDistribution", msgNoSuchDistribution)
	}
	return err
}

func (s *Server) createMonitoringSubscription(w http.ResponseWriter, r *http.Request) {
	const root = "MonitoringSubscription"
	c, aerr := parseBody(requestBody(r), root)
	if aerr == nil {
		aerr = validateShape(c, root, root)
	}
	if aerr == nil && c.Child("RealtimeMetricsSubscriptionConfig") == nil {
		aerr = errorf("InvalidArgument", "%s.RealtimeMetricsSubscriptionConfig is required: give RealtimeMetricsSubscriptionStatus Enabled or Disabled.", root)
	}
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	id := r.PathValue("id")
	if err := s.distributionExists(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.now()
	res, err := s.store.UpdateResource(r.Context(), MonitoringSubscriptionKind, id, func(res *store.Resource) error {
		res.Config, res.ETag, res.LastModifiedTime = c, newETag(), now
		return nil
	})
	if errors.Is(err, store.ErrNoResource) {
		res = &store.Resource{Kind: MonitoringSubscriptionKind, ID: id, Name: id, ETag: newETag(),
			CreatedTime: now, LastModifiedTime: now, Config: c}
		err = s.store.CreateResource(r.Context(), res)
		if errors.Is(err, store.ErrResourceExists) {
			// A concurrent create won: CloudFront's code for it.
			err = errorf("MonitoringSubscriptionAlreadyExists", "A monitoring subscription already exists for the specified distribution.")
		}
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeXML(w, r, http.StatusOK, xmlDocument{res.Config.Clone()})
}

// monitoringSubscription returns distribution id's subscription, or the
// NoSuchDistribution or NoSuchMonitoringSubscription error.
func (s *Server) monitoringSubscription(ctx context.Context, id string) (*store.Resource, error) {
	if err := s.distributionExists(ctx, id); err != nil {
		return nil, err
	}
	res, err := s.store.GetResource(ctx, MonitoringSubscriptionKind, id)
	if errors.Is(err, store.ErrNoResource) {
		return nil, errorf("NoSuchMonitoringSubscription", msgNoSuchMonitoringSubscription)
	}
	return res, err
}

func (s *Server) getMonitoringSubscription(w http.ResponseWriter, r *http.Request) {
	res, err := s.monitoringSubscription(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeXML(w, r, http.StatusOK, xmlDocument{res.Config.Clone()})
}

func (s *Server) deleteMonitoringSubscription(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := s.monitoringSubscription(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	err := s.store.DeleteResource(r.Context(), MonitoringSubscriptionKind, id, nil)
	if errors.Is(err, store.ErrNoResource) {
		err = errorf("NoSuchMonitoringSubscription", msgNoSuchMonitoringSubscription)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The model's DeleteMonitoringSubscriptionResult is empty, status 200.
	w.WriteHeader(http.StatusOK)
}

// dropMonitoringSubscription deletes deleted distribution id's
// subscription, if any. A failure is logged, not answered: the
// distribution is gone, and a subscription whose distribution does not
// exist is never served (monitoringSubscription checks the distribution
// first).
func (s *Server) dropMonitoringSubscription(ctx context.Context, id string) {
	err := s.store.DeleteResource(ctx, MonitoringSubscriptionKind, id, nil)
	if err != nil && !errors.Is(err, store.ErrNoResource) {
		s.log.Error("delete monitoring subscription", "distribution", id, "err", err)
	}
}
