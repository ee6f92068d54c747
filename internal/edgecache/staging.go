package edgecache

import (
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Continuous deployment at the edge (cfinv issue 27). A primary
// distribution whose continuous deployment policy is enabled sends some of
// its viewer requests to its staging distribution, as CloudFront does
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/understanding-continuous-deployment.html):
//
//   - SingleHeader: a request carrying the policy's header with its value
//     goes to staging, every other request to the primary.
//   - SingleWeight: each new viewer goes to staging with the policy's
//     probability (Proxy.StagingDraw decides). With session stickiness,
//     the edge sets a cookie so that the viewer's later requests go where
//     the first went, until the session has been idle for IdleTTL or has
//     lasted MaximumTTL.
//
// Viewers cannot reach a staging distribution by its own domain name: it
// is served only through its primary. The two do not share a cache: each
// has its own, under its own ID.
//
// CloudFront documents that it "sets a cookie" for session stickiness but
// not the cookie's name or format, so the edge uses its own, SessionCookie.

// SessionCookie is the cookie the edge sets for session stickiness of a
// weight-based continuous deployment policy. Its value records the policy
// it was set under, the distribution chosen and the session's start and
// last request; a viewer may send one back to choose a side.
const SessionCookie = "cfinv-cd-session"

// StagingRoute is a primary distribution's enabled continuous deployment
// policy: how its viewer requests are split with its staging distribution.
type StagingRoute struct {
	// PolicyID is the continuous deployment policy's ID.
	PolicyID string
	// Version changes whenever the policy changes; sessions set under
	// another version start again.
	Version string
	// StagingID is the staging distribution's ID, an entry of the same
	// Distributions list.
	StagingID string
	// Header and Value: a SingleHeader policy sends a request whose
	// Header field is Value to the staging distribution. Header is empty
	// for a SingleWeight policy.
	Header, Value string
	// Weight is the fraction (0 to 0.15) of new viewers a SingleWeight
	// policy sends to the staging distribution.
	Weight float64
	// IdleTTL and MaxTTL are the session stickiness TTLs; zero means no
	// stickiness.
	IdleTTL, MaxTTL time.Duration
}

// staging is a resolved primary's route to its staging distribution.
type staging struct {
	route StagingRoute
	to    *resolved
}

// draw returns a number in [0, 1) for a new viewer of a weight-based
// policy: StagingDraw's, else a random one.
func (p *Proxy) draw(r *http.Request) float64 {
	if p.StagingDraw != nil {
		return p.StagingDraw(r)
	}
	return rand.Float64()
}

// chooseDistribution returns the distribution that serves r for d: d
// itself, or its staging distribution as d's continuous deployment policy
// says. cookie, when not empty, is the Set-Cookie value to answer with.
func (p *Proxy) chooseDistribution(r *http.Request, d *resolved) (to *resolved, cookie string) {
	st := d.staging
	if st == nil || !st.to.enabled {
		return d, ""
	}
	rt := &st.route
	if rt.Header != "" {
		if v, ok := r.Header[http.CanonicalHeaderKey(rt.Header)]; ok && len(v) > 0 && v[0] == rt.Value {
			return st.to, ""
		}
		return d, ""
	}
	sticky := rt.IdleTTL > 0 && rt.MaxTTL > 0
	now := p.now()
	if sticky {
		if s, ok := parseSession(r, rt, now); ok {
			return pick(d, st, s.staging), s.cookie(rt, now)
		}
	}
	toStaging := p.draw(r) < rt.Weight
	if !sticky {
		return pick(d, st, toStaging), ""
	}
	s := session{staging: toStaging, start: now.Unix()}
	return pick(d, st, toStaging), s.cookie(rt, now)
}

func pick(d *resolved, st *staging, toStaging bool) *resolved {
	if toStaging {
		return st.to
	}
	return d
}

// session is a viewer's sticky session, as its cookie records it.
type session struct {
	staging bool
	start   int64 // Unix seconds
}

// sessionVersion binds a session cookie to one policy version.
func sessionVersion(rt *StagingRoute) string {
	sum := sha256.Sum256([]byte(rt.PolicyID + "\x00" + rt.Version))
	return hex.EncodeToString(sum[:8])
}

// parseSession returns the viewer's session under rt from its cookie, if
// the cookie is well-formed, was set under rt's version and has been
// neither idle for IdleTTL nor alive for MaxTTL at now. Anything else
// starts a new session: a bad cookie is never an error.
func parseSession(r *http.Request, rt *StagingRoute, now time.Time) (session, bool) {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return session{}, false
	}
	// VERSION.SIDE.START.LAST
	f := strings.Split(c.Value, ".")
	if len(f) != 4 || f[0] != sessionVersion(rt) || (f[1] != "p" && f[1] != "s") {
		return session{}, false
	}
	start, err1 := strconv.ParseInt(f[2], 10, 64)
	last, err2 := strconv.ParseInt(f[3], 10, 64)
	n := now.Unix()
	if err1 != nil || err2 != nil || start > last || last > n ||
		n-last >= int64(rt.IdleTTL/time.Second) || n-start >= int64(rt.MaxTTL/time.Second) {
		return session{}, false
	}
	return session{staging: f[1] == "s", start: start}, true
}

// cookie returns the Set-Cookie value that records s at now: it expires
// after IdleTTL, or when the session reaches MaxTTL if that is sooner.
func (s session) cookie(rt *StagingRoute, now time.Time) string {
	side := "p"
	if s.staging {
		side = "s"
	}
	n := now.Unix()
	age := min(int64(rt.IdleTTL/time.Second), s.start+int64(rt.MaxTTL/time.Second)-n)
	c := &http.Cookie{
		Name:     SessionCookie,
		Value:    sessionVersion(rt) + "." + side + "." + strconv.FormatInt(s.start, 10) + "." + strconv.FormatInt(n, 10),
		Path:     "/",
		MaxAge:   int(max(age, 1)),
		HttpOnly: true,
	}
	return c.String()
}

// cookieWriter adds a Set-Cookie field to the response when its header is
// written, after whatever the origin's response put there.
type cookieWriter struct {
	http.ResponseWriter
	cookie string
	wrote  bool
}

func (w *cookieWriter) WriteHeader(code int) {
	if !w.wrote && code >= 200 {
		w.wrote = true
		w.Header().Add("Set-Cookie", w.cookie)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *cookieWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (write
// deadlines, flushes).
func (w *cookieWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
