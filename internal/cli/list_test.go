package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/cfinv/cfinv/internal/awscli"
	"github.com/google/go-cmp/cmp"
)

// TestReadCommands runs get, list, wait and distributions against the
// emulator after two invalidations, in text output so rows are exact.
func TestReadCommands(t *testing.T) {
	_, clock, client, dist := testEmulator(t, 5*time.Second)
	var ids []string
	for _, p := range []string{"/one", "/two"} {
		ios, _, stdout, _ := TestIO()
		opts := &invalidateOptions{IO: ios, Now: clock.Now, Client: client, Distributions: []string{dist}, Items: []string{p},
			CallerReference: "ref" + p[1:], Timeout: time.Minute, AWS: awsFlags{Query: "Invalidation.Id", Output: "text"}}
		if err := invalidateRun(t.Context(), opts); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, strings.TrimSpace(stdout.String()))
	}
	text := awsFlags{Output: "text"}

	ios, _, stdout, _ := TestIO()
	if err := getRun(t.Context(), &getOptions{IO: ios, Client: client, AWS: text, Distribution: dist, ID: ids[0]}); err != nil {
		t.Fatal(err)
	}
	if want := ids[0] + "\tInProgress\t2026-05-01T12:00:00.000Z\trefone\n\t/one\n"; stdout.String() != want {
		t.Errorf("get:\n got %q\nwant %q", stdout, want)
	}

	ios, _, stdout, _ = TestIO()
	if err := listRun(t.Context(), &listOptions{IO: ios, Client: client, AWS: text, Distribution: dist, Page: awscli.PageFlags{MaxItems: 1}}); err != nil {
		t.Fatal(err)
	}
	if want := ids[1] + "\tInProgress\t2026-05-01T12:00:00.000Z\n"; stdout.String() != want {
		t.Errorf("list --max-items 1 (newest first):\n got %q\nwant %q", stdout, want)
	}

	ios, _, stdout, _ = TestIO()
	if err := distributionsRun(t.Context(), &distributionsOptions{IO: ios, Client: client, AWS: text}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Split(strings.TrimSpace(stdout.String()), "\t"); len(got) != 5 || got[0] != dist || got[2] != "www.example.com" || got[4] != "2" {
		t.Errorf("distributions row %q: want ID, domain, alias, status, 2 in progress", got)
	}

	ios, _, stdout, stderr := TestIO()
	if err := waitRun(t.Context(), &waitOptions{IO: ios, Now: clock.Now, Client: client, AWS: text, Distribution: dist, IDs: ids, Timeout: time.Minute}); err != nil {
		t.Fatal(err)
	}
	want := dist + "\t" + ids[0] + "\tCompleted\n" + dist + "\t" + ids[1] + "\tCompleted\n"
	if len(ids) == 2 && ids[0] > ids[1] {
		want = dist + "\t" + ids[1] + "\tCompleted\n" + dist + "\t" + ids[0] + "\tCompleted\n"
	}
	if stdout.String() != want {
		t.Errorf("wait:\n got %q\nwant %q", stdout, want)
	}
	if !strings.Contains(stderr.String(), "(2/2 completed)") {
		t.Errorf("wait stderr lacks progress:\n%s", stderr)
	}

	ios, _, _, _ = TestIO()
	err := getRun(t.Context(), &getOptions{IO: ios, Client: client, AWS: text, Distribution: dist, ID: "INOSUCH"})
	if exitCode(err) != ExitNotFound {
		t.Errorf("get unknown: exit %d (%v), want %d", exitCode(err), err, ExitNotFound)
	}
}

func TestIAMPolicy(t *testing.T) {
	tests := []struct {
		name    string
		opts    iamPolicyOptions
		want    string
		wantErr string
	}{
		{
			name: "ids only",
			opts: iamPolicyOptions{Distributions: []string{"E1U5RQF7T870K0"}, AccountID: "123456789012"},
			want: `{
    "Statement": [
        {
            "Sid": "CfinvInvalidate",
            "Effect": "Allow",
            "Action": [
                "cloudfront:CreateInvalidation",
                "cloudfront:GetInvalidation",
                "cloudfront:ListInvalidations",
                "cloudfront:GetDistribution"
            ],
            "Resource": [
                "arn:aws:cloudfront::123456789012:distribution/E1U5RQF7T870K0"
            ]
        },
        {
            "Sid": "CfinvReadFunctions",
            "Effect": "Allow",
            "Action": [
                "cloudfront:DescribeFunction",
                "cloudfront:GetFunction"
            ],
            "Resource": [
                "arn:aws:cloudfront::123456789012:function/*"
            ]
        }
    ],
    "Version": "2012-10-17"
}
`,
		},
		{
			name: "alias adds ListDistributions",
			opts: iamPolicyOptions{Distributions: []string{"www.example.com"}, AccountID: "*"},
			want: `{
    "Statement": [
        {
            "Sid": "CfinvInvalidate",
            "Effect": "Allow",
            "Action": [
                "cloudfront:CreateInvalidation",
                "cloudfront:GetInvalidation",
                "cloudfront:ListInvalidations",
                "cloudfront:GetDistribution"
            ],
            "Resource": [
                "arn:aws:cloudfront::*:distribution/*"
            ]
        },
        {
            "Sid": "CfinvReadFunctions",
            "Effect": "Allow",
            "Action": [
                "cloudfront:DescribeFunction",
                "cloudfront:GetFunction"
            ],
            "Resource": [
                "arn:aws:cloudfront::*:function/*"
            ]
        },
        {
            "Sid": "CfinvResolveAliases",
            "Effect": "Allow",
            "Action": [
                "cloudfront:ListDistributions"
            ],
            "Resource": [
                "*"
            ]
        }
    ],
    "Version": "2012-10-17"
}
`,
		},
		{
			name: "distribution tenant",
			opts: iamPolicyOptions{Tenants: []string{"dt_2ABC"}, AccountID: "123456789012"},
			want: `{
    "Statement": [
        {
            "Sid": "CfinvInvalidateTenant",
            "Effect": "Allow",
            "Action": [
                "cloudfront:CreateInvalidationForDistributionTenant",
                "cloudfront:GetInvalidationForDistributionTenant",
                "cloudfront:ListInvalidationsForDistributionTenant"
            ],
            "Resource": [
                "arn:aws:cloudfront::123456789012:distribution-tenant/dt_2ABC"
            ]
        }
    ],
    "Version": "2012-10-17"
}
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, stdout, _ := TestIO()
			tt.opts.IO = ios
			if err := iamPolicyRun(&tt.opts); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, stdout.String()); diff != "" {
				t.Errorf("policy (-want +got):\n%s", diff)
			}
		})
	}
}
