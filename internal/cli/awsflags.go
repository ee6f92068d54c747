package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"
	"github.com/spf13/cobra"

	"github.com/cfinv/cfinv"
	"github.com/cfinv/cfinv/internal/awscli"
)

// awsFlags are the flags every command that talks to CloudFront shares,
// named as in the AWS CLI.
type awsFlags struct {
	EndpointURL string
	Profile     string
	Region      string
	Debug       bool
	Output      string
	Query       string

	// The AWS CLI's global options cfinv accepts (issue 11 item 6).
	ConnectTimeout seconds // --cli-connect-timeout
	ReadTimeout    seconds // --cli-read-timeout
	CABundle       string  // --ca-bundle
	NoVerifySSL    bool    // --no-verify-ssl
	// NoPaginate is --no-paginate on a command that does not page: the
	// AWS CLI accepts it there and changes nothing; so does cfinv.
	NoPaginate bool

	// Refused lists the AWS CLI global options given that cfinv refuses.
	Refused []string
}

// seconds is a whole number of seconds, the unit of the AWS CLI's
// --cli-connect-timeout and --cli-read-timeout; 0 means no timeout, as
// there.
type seconds struct {
	N   int
	Set bool // given
}

func (s *seconds) String() string {
	if !s.Set {
		return ""
	}
	return strconv.Itoa(s.N)
}

func (s *seconds) setValue(v string) error {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return fmt.Errorf("%q is not a whole number of seconds (0 or more; 0: no timeout)", v)
	}
	s.N, s.Set = n, true
	return nil
}

func (s *seconds) duration() time.Duration { return time.Duration(s.N) * time.Second }

// secondsValue is the pflag.Value of a seconds flag.
type secondsValue struct{ s *seconds }

func (v secondsValue) String() string     { return v.s.String() }
func (v secondsValue) Type() string       { return "seconds" }
func (v secondsValue) Set(x string) error { return v.s.setValue(x) }

// refusedOptions are the AWS CLI's global options cfinv does not take, and
// why. They are accepted by the parser so that the error says why, rather
// than "unknown flag".
var refusedOptions = []struct {
	name   string
	isBool bool
	why    string
}{
	{"no-sign-request", true, "CloudFront refuses unsigned requests, and so does cfinv serve; credentials come from the SDK's default chain"},
	{"cli-binary-format", false, "no CloudFront invalidation input or output is binary"},
	{"color", false, "cfinv's output has no colour to turn on or off"},
	{"no-cli-pager", true, "cfinv never pipes its output through a pager"},
	{"cli-auto-prompt", true, "cfinv has no interactive prompt"},
	{"no-cli-auto-prompt", true, "cfinv has no interactive prompt"},
}

// refusedValue records that a refused option was given.
type refusedValue struct {
	f    *awsFlags
	name string
	bool bool
}

func (r *refusedValue) String() string   { return "" }
func (r *refusedValue) Type() string     { return "string" }
func (r *refusedValue) IsBoolFlag() bool { return r.bool }
func (r *refusedValue) Set(string) error {
	r.f.Refused = append(r.f.Refused, r.name)
	return nil
}

func (f *awsFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.EndpointURL, "endpoint-url", "", "CloudFront API `URL`, e.g. a local cfinv serve: http://127.0.0.1:8655")
	fl.StringVar(&f.Profile, "profile", "", "AWS shared config profile (credentials come from the SDK's default chain)")
	fl.StringVar(&f.Region, "region", "", "signing region (default: the SDK's, else us-east-1)")
	fl.BoolVar(&f.Debug, "debug", false, "log every request and response on stderr, credentials redacted")
	enumVar(fl, &f.Output, "output", "", []string{"", awscli.JSON, awscli.Text, awscli.Table}, "output format: json, text or table (default: table on a terminal, json otherwise)")
	fl.StringVar(&f.Query, "query", "", "JMESPath expression applied to the JSON output, as in the AWS CLI")
	fl.Var(secondsValue{&f.ConnectTimeout}, "cli-connect-timeout", "most seconds to wait for a connection (0: no limit), as in the AWS CLI")
	fl.Var(secondsValue{&f.ReadTimeout}, "cli-read-timeout", "most seconds to wait for a response once the request is sent (0: no limit), as in the AWS CLI")
	fl.StringVar(&f.CABundle, "ca-bundle", "", "PEM `FILE` of the certificate authorities to trust for TLS, as in the AWS CLI")
	fl.BoolVar(&f.NoVerifySSL, "no-verify-ssl", false, "do not verify TLS certificates (a warning says so), as in the AWS CLI")
	if fl.Lookup("no-paginate") == nil {
		fl.BoolVar(&f.NoPaginate, "no-paginate", false, "accepted as the AWS CLI accepts it: this command makes no paginated call")
		_ = fl.MarkHidden("no-paginate")
	}
	for _, r := range refusedOptions {
		fl.Var(&refusedValue{f: f, name: r.name, bool: r.isBool}, r.name, "refused: "+r.why)
		if r.isBool {
			fl.Lookup(r.name).NoOptDefVal = "true"
		}
		_ = fl.MarkHidden(r.name)
	}
}

// checkGlobal refuses the AWS CLI global options cfinv does not take,
// naming the option and why, and checks --ca-bundle.
func (f *awsFlags) checkGlobal() error {
	for _, name := range f.Refused {
		for _, r := range refusedOptions {
			if r.name == name {
				return flagErrorf("--%s is an AWS CLI option cfinv does not take: %s", name, r.why)
			}
		}
	}
	if f.CABundle != "" {
		if _, err := f.caBundle(); err != nil {
			return err
		}
	}
	return nil
}

// caBundle reads --ca-bundle: a file of PEM certificates.
func (f *awsFlags) caBundle() ([]byte, error) {
	b, err := os.ReadFile(f.CABundle)
	if err != nil {
		return nil, flagErrorf("--ca-bundle %q: %v", f.CABundle, err)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(b) {
		return nil, flagErrorf("--ca-bundle %q holds no PEM certificate: want a file of \"-----BEGIN CERTIFICATE-----\" blocks", f.CABundle)
	}
	return b, nil
}

// httpClient is the SDK HTTP client the global options describe.
func (f *awsFlags) httpClient(ios *IO) (*awshttp.BuildableClient, error) {
	hc := awshttp.NewBuildableClient()
	if f.ConnectTimeout.Set {
		hc = hc.WithDialerOptions(func(d *net.Dialer) { d.Timeout = f.ConnectTimeout.duration() })
	}
	var pool *x509.CertPool
	if f.CABundle != "" {
		b, err := f.caBundle()
		if err != nil {
			return nil, err
		}
		pool = x509.NewCertPool()
		pool.AppendCertsFromPEM(b)
	}
	if f.NoVerifySSL {
		fmt.Fprintln(ios.ErrOut, "Warning: --no-verify-ssl: TLS certificates are not verified; anyone on the path can read and change the requests")
	}
	hc = hc.WithTransportOptions(func(t *http.Transport) {
		if f.ReadTimeout.Set {
			t.ResponseHeaderTimeout = f.ReadTimeout.duration()
		}
		if pool != nil || f.NoVerifySSL {
			if t.TLSClientConfig == nil {
				t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
			}
			t.TLSClientConfig.RootCAs = pool
			//nolint:gosec // --no-verify-ssl asks for it, with a warning
			t.TLSClientConfig.InsecureSkipVerify = f.NoVerifySSL
		}
	})
	return hc, nil
}

// clientFunc builds a cfinv client with the command's options; tests
// replace it to add their own (a clock, say), which come last and win.
type clientFunc func(ctx context.Context, opts ...cfinv.Option) (*cfinv.Client, error)

// newClient builds the cfinv client these flags describe: credentials and
// region from the SDK's default chain (with --profile and --region), the
// endpoint from --endpoint-url, the debug log on stderr with --debug.
// getenv is the environment cfinv reads (Main's): the shared config
// files it names are the ones the SDK reads, and it decides whether the
// run can open a TLS connection (noTLS). Commands call it through their
// options' Client field, which tests replace.
func (f *awsFlags) newClient(ios *IO, getenv func(string) string) clientFunc {
	return func(ctx context.Context, opts ...cfinv.Option) (*cfinv.Client, error) {
		cfg, err := f.sdkConfig(ctx, ios, getenv, f.noTLS(getenv))
		if err != nil {
			return nil, err
		}
		var o []cfinv.Option
		if f.EndpointURL != "" {
			o = append(o, cfinv.WithEndpoint(f.EndpointURL))
		}
		if f.Debug {
			o = append(o, cfinv.WithDebugLog(ios.ErrOut))
		}
		return cfinv.New(cfg, append(o, opts...)...), nil
	}
}

// sdkConfig is the SDK configuration these flags describe, for any AWS
// service: the default chain with --profile and --region, the shared
// files getenv names, the HTTP client of the global options, the SDK's
// own log off unless --debug. noTLS says no TLS connection will be made
// (see loadConfig).
func (f *awsFlags) sdkConfig(ctx context.Context, ios *IO, getenv func(string) string, noTLS bool) (aws.Config, error) {
	var lo []func(*config.LoadOptions) error
	if f.Profile != "" {
		lo = append(lo, config.WithSharedConfigProfile(f.Profile))
	}
	if f.Region != "" {
		lo = append(lo, config.WithRegion(f.Region))
	}
	if file := getenv("AWS_CONFIG_FILE"); file != "" {
		lo = append(lo, config.WithSharedConfigFiles([]string{file}))
	}
	if file := getenv("AWS_SHARED_CREDENTIALS_FILE"); file != "" {
		lo = append(lo, config.WithSharedCredentialsFiles([]string{file}))
	}
	hc, err := f.httpClient(ios)
	if err != nil {
		return aws.Config{}, err
	}
	if !f.Debug {
		// The SDK's own log (such as "WARN falling back to
		// IMDSv1" while it looks for credentials) goes to the
		// process's stderr ahead of cfinv's error and hint;
		// --debug shows the requests instead.
		lo = append(lo, config.WithLogger(logging.Nop{}))
	}
	cfg, err := loadConfig(ctx, noTLS, hc, lo...)
	var pe config.SharedConfigProfileNotExistError
	if errors.As(err, &pe) {
		return aws.Config{}, profileError(pe.Profile, f.Profile != "", getenv)
	}
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	return cfg, nil
}

// noTLS reports whether this run can open no TLS connection: CloudFront's
// endpoint is http:// (--endpoint-url, else AWS_ENDPOINT_URL_CLOUDFRONT
// or AWS_ENDPOINT_URL) and the credentials are static keys from the
// environment with no --profile, which the SDK takes before anything that
// would call STS, SSO or a credentials endpoint. getenv is the
// environment as the SDK sees it.
func (f *awsFlags) noTLS(getenv func(string) string) bool {
	endpoint := f.EndpointURL
	if endpoint == "" && !strings.EqualFold(getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		if endpoint = getenv("AWS_ENDPOINT_URL_CLOUDFRONT"); endpoint == "" {
			endpoint = getenv("AWS_ENDPOINT_URL")
		}
	}
	u, err := url.Parse(endpoint)
	return err == nil && u.Scheme == "http" && u.Host != "" &&
		f.Profile == "" && getenv("AWS_ACCESS_KEY_ID") != "" && getenv("AWS_SECRET_ACCESS_KEY") != ""
}

// placeholderCA is a certificate that vouches for nothing (self-signed,
// expired on 2026-01-02, its key thrown away): the CA bundle loadConfig
// gives the SDK in place of AWS_CA_BUNDLE's when no TLS connection will
// be made.
const placeholderCA = `-----BEGIN CERTIFICATE-----
MIIBBDCBt6ADAgECAgEBMAUGAytlcDAsMSowKAYDVQQDEyFjZmludiBwbGFjZWhv
bGRlcjogdHJ1c3RzIG5vdGhpbmcwHhcNMjYwMTAxMDAwMDAwWhcNMjYwMTAyMDAw
MDAwWjAsMSowKAYDVQQDEyFjZmludiBwbGFjZWhvbGRlcjogdHJ1c3RzIG5vdGhp
bmcwKjAFBgMrZXADIQC0xL6f3uxkDzxDGvEQzDR+WPobB9EqsJQKDIWGoqjrbDAF
BgMrZXADQQDkmkaPYYM099ZgwDYyHycnjGAsjrUApVpmpzbOb9SZWs5mkdxyWDxP
+NNETiDc9saSP2Ugvls4CMDOoNtKFp4H
-----END CERTIFICATE-----
`

// loadConfig is config.LoadDefaultConfig with hc as the HTTP client. When
// the run can open no TLS connection (noTLS), the SDK does not get to
// read AWS_CA_BUNDLE: it would read and parse every certificate in it
// before the first request (about 2 ms and 2.5 MiB for a system bundle,
// on every run of a CI job that sets it) for connections that are never
// made. The AWS CLI likewise uses the bundle only to verify TLS.
//
// LoadDefaultConfig takes no option to skip the variable, but a bundle
// given as an option comes first, and the SDK then reads no other: it
// gets placeholderCA, and the client it built to trust it is replaced by
// hc again. The process environment is left alone, so loads running at
// the same time (a library user's, a test's) see it as it is.
func loadConfig(ctx context.Context, noTLS bool, hc *awshttp.BuildableClient, lo ...func(*config.LoadOptions) error) (aws.Config, error) {
	lo = append(lo, config.WithHTTPClient(hc))
	if noTLS {
		lo = append(lo, config.WithCustomCABundle(strings.NewReader(placeholderCA)))
	}
	cfg, err := config.LoadDefaultConfig(ctx, lo...)
	if err == nil && noTLS {
		cfg.HTTPClient = hc
	}
	return cfg, err
}

// resumeFlags are the flags a printed resume command must repeat.
func (f *awsFlags) resumeFlags() []string {
	var out []string
	for _, kv := range [][2]string{{"--endpoint-url", f.EndpointURL}, {"--profile", f.Profile}, {"--region", f.Region}} {
		if kv[1] != "" {
			out = append(out, kv[0], kv[1])
		}
	}
	return out
}

// defaultStateDir is $XDG_STATE_HOME/cfinv, else ~/.local/state/cfinv.
func defaultStateDir(getenv func(string) string) string {
	if s := getenv("XDG_STATE_HOME"); s != "" {
		return filepath.Join(s, "cfinv")
	}
	home := getenv("HOME")
	if home == "" {
		home = getenv("USERPROFILE") // Windows, as os.UserHomeDir
	}
	if home == "" {
		return ""
	}
	return filepath.Join(home, ".local", "state", "cfinv")
}

// resolveOne maps the --distribution-id of get, list and wait to one ID:
// an ID as it is, a domain name or alias through ListDistributions, as
// invalidate does (issue 11 item 4). A wildcard alias matching several
// distributions is a usage error naming them.
func resolveOne(ctx context.Context, c *cfinv.Client, name string) (string, error) {
	if cfinv.LooksLikeID(name) {
		return name, nil
	}
	ids, err := c.Resolve(ctx, name)
	if err != nil {
		return "", err
	}
	if len(ids) != 1 {
		return "", flagErrorf("--distribution-id %q matches %d distributions (%s): give one of their IDs", name, len(ids), strings.Join(ids, ", "))
	}
	return ids[0], nil
}

// profileError is the usage error of a profile that is in neither shared
// file, listing the profiles that are. flag says it came from --profile
// rather than AWS_PROFILE. getenv is the environment as the SDK sees it.
func profileError(name string, flag bool, getenv func(string) string) error {
	from := "AWS_PROFILE"
	if flag {
		from = "--profile"
	}
	files := []string{getenv("AWS_CONFIG_FILE"), getenv("AWS_SHARED_CREDENTIALS_FILE")}
	if files[0] == "" {
		files[0] = config.DefaultSharedConfigFilename()
	}
	if files[1] == "" {
		files[1] = config.DefaultSharedCredentialsFilename()
	}
	var names []string
	seen := map[string]bool{}
	for i, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			line = strings.TrimSpace(line)
			if !strings.HasPrefix(line, "[") || !strings.HasSuffix(line, "]") {
				continue
			}
			n := strings.TrimSpace(line[1 : len(line)-1])
			if i == 0 { // the config file names sections "profile NAME", except default
				var ok bool
				if n, ok = strings.CutPrefix(n, "profile "); !ok && n != "default" {
					continue
				}
				n = strings.TrimSpace(n)
			}
			if n != "" && !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	sort.Strings(names)
	hint := "no profile is defined in " + files[0] + " or " + files[1] + ": run `aws configure --profile " + name + "`, or unset " + from
	if len(names) > 0 {
		hint = "profiles defined there: " + strings.Join(names, ", ") + "; give one of them with " + from
	}
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%s %q: no such profile in %s or %s", from, name, files[0], files[1]), Hint: hint}
}

// defaultOutput fills --output, when it is not given, for a command
// called by its AWS CLI name: AWS_DEFAULT_OUTPUT, else the profile's
// output in the shared config file, as the AWS CLI reads them
// (awscli.DefaultOutput). Such commands call it before check; cfinv's own
// commands keep their default (table on a terminal, JSON otherwise).
func (f *awsFlags) defaultOutput(getenv func(string) string) error {
	if f.Output != "" || getenv == nil {
		return nil
	}
	v, err := awscli.DefaultOutput(getenv, f.Profile)
	if err != nil {
		return err
	}
	f.Output = v
	return nil
}

// output is what --output and --query ask of an AWS-named command.
func (f *awsFlags) output() awscli.Output {
	return awscli.Output{Format: f.Output, Query: f.Query}
}
