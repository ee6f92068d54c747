package emulator

import (
	"net/http"
	"strconv"

	"github.com/cfinv/cfinv/internal/distconfig"
)

// RTMP (streaming) distributions: discontinued by AWS on 31 December 2020.
// botocore's model still carries their seven operations, documented as
// deprecated ("Amazon CloudFront is deprecating real-time messaging
// protocol (RTMP) distributions on December 31, 2020", the
// CreateStreamingDistribution API reference), and AWS's announcement said
// that from that date they can no longer be created and existing ones are
// deleted. So an account has none and cannot make one, which is what the
// emulator answers:
//
//   - ListStreamingDistributions: an empty StreamingDistributionList;
//   - Get/GetConfig/Update/Delete: NoSuchStreamingDistribution (404) for
//     any ID (Update checks its body first);
//   - Create and CreateWithTags: the body is checked against the model
//     (MissingBody, MalformedXML, InvalidArgument, InconsistentQuantities),
//     then refused with AccessDenied (403), an error the model lists for
//     both, naming the discontinuation.
//
// What live CloudFront sends for a well-formed create today cannot be
// observed without an AWS account; docs/emulator.md says so.

func init() {
	// Statuses from the model (botocore service-2.json).
	for code, status := range map[string]int{
		"NoSuchStreamingDistribution":      http.StatusNotFound,
		"StreamingDistributionNotDisabled": http.StatusConflict,
	} {
		statusOf[code] = status
	}
	for _, op := range []string{
		"CreateStreamingDistribution", "CreateStreamingDistributionWithTags", "GetStreamingDistribution",
		"GetStreamingDistributionConfig", "ListStreamingDistributions", "UpdateStreamingDistribution",
		"DeleteStreamingDistribution",
	} {
		implemented[op] = true
	}
}

const (
	msgNoSuchStreamingDistribution = "The specified streaming distribution does not exist."
	msgRTMPDiscontinued            = "RTMP distributions were discontinued on December 31, 2020: CloudFront no longer creates streaming distributions. Create a web distribution (CreateDistribution) instead."
)

// streamingRoutes registers the seven streaming distribution operations.
func (s *Server) streamingRoutes() {
	const p = "/2020-05-31/streaming-distribution"
	s.mux.HandleFunc("POST "+p, s.createStreamingDistribution)
	s.mux.HandleFunc("GET "+p, s.listStreamingDistributions)
	s.mux.HandleFunc("GET "+p+"/{id}", s.noSuchStreamingDistribution)
	s.mux.HandleFunc("GET "+p+"/{id}/config", s.noSuchStreamingDistribution)
	s.mux.HandleFunc("PUT "+p+"/{id}/config", s.updateStreamingDistribution)
	s.mux.HandleFunc("DELETE "+p+"/{id}", s.noSuchStreamingDistribution)
}

// decodeStreamingConfig parses and checks a StreamingDistributionConfig
// against the model.
func decodeStreamingConfig(c *distconfig.Node) *apiError {
	const root = "StreamingDistributionConfig"
	if aerr := checkQuantities(c, root); aerr != nil {
		return aerr
	}
	return validateShape(c, root, root)
}

// createStreamingDistribution serves CreateStreamingDistribution and, with
// ?WithTags, CreateStreamingDistributionWithTags: a checked body is
// refused, as RTMP distributions can no longer be created.
func (s *Server) createStreamingDistribution(w http.ResponseWriter, r *http.Request) {
	if aerr := checkStreamingCreate(r); aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	s.writeError(w, r, errorf("AccessDenied", msgRTMPDiscontinued))
}

func checkStreamingCreate(r *http.Request) *apiError {
	if !r.URL.Query().Has("WithTags") {
		c, aerr := parseBody(requestBody(r), "StreamingDistributionConfig")
		if aerr != nil {
			return aerr
		}
		return decodeStreamingConfig(c)
	}
	const root = "StreamingDistributionConfigWithTags"
	n, aerr := parseBody(requestBody(r), root)
	if aerr != nil {
		return aerr
	}
	for _, m := range n.Nodes {
		if m.Name != "StreamingDistributionConfig" && m.Name != "Tags" {
			return fixed("MalformedXML", "<%s> holds <%s>, want <StreamingDistributionConfig> and <Tags>.", root, m.Name)
		}
	}
	c, tn := n.Child("StreamingDistributionConfig"), n.Child("Tags")
	switch {
	case c == nil:
		return errorf("InvalidArgument", "%s.StreamingDistributionConfig is required.", root)
	case tn == nil:
		return errorf("InvalidArgument", "%s.Tags is required (it may hold no items).", root)
	}
	if aerr := decodeStreamingConfig(c); aerr != nil {
		return aerr
	}
	_, aerr = parseTags(tn)
	return aerr
}

// listStreamingDistributions answers the account's streaming
// distributions: none.
func (s *Server) listStreamingDistributions(w http.ResponseWriter, r *http.Request) {
	max, aerr := parseMaxItems(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	marker := r.URL.Query().Get("Marker")
	if marker != "" {
		s.writeError(w, r, errorf("InvalidArgument", "Marker %q does not name a streaming distribution: the account has none.", truncate(marker, 40)))
		return
	}
	s.writeXML(w, r, http.StatusOK, xmlDocument{&distconfig.Node{Name: "StreamingDistributionList", Nodes: []*distconfig.Node{
		leaf("Marker", ""), leaf("MaxItems", strconv.Itoa(max)), leaf("IsTruncated", "false"), leaf("Quantity", "0"),
	}}})
}

// updateStreamingDistribution checks the body, then answers that the
// distribution does not exist.
func (s *Server) updateStreamingDistribution(w http.ResponseWriter, r *http.Request) {
	c, aerr := parseBody(requestBody(r), "StreamingDistributionConfig")
	if aerr == nil {
		aerr = decodeStreamingConfig(c)
	}
	if aerr == nil {
		aerr = errorf("NoSuchStreamingDistribution", msgNoSuchStreamingDistribution)
	}
	s.writeError(w, r, aerr)
}

func (s *Server) noSuchStreamingDistribution(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, r, errorf("NoSuchStreamingDistribution", msgNoSuchStreamingDistribution))
}
