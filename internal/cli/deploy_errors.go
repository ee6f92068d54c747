package cli

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/aws/smithy-go"

	"github.com/cfinv/cfinv/deploy"
)

// s3Actions are the IAM actions that allow the S3 operations deploy
// calls (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html).
var s3Actions = map[string]string{
	"HeadBucket":              "s3:ListBucket",
	"ListObjectsV2":           "s3:ListBucket",
	"ListMultipartUploads":    "s3:ListBucketMultipartUploads",
	"HeadObject":              "s3:GetObject",
	"GetObject":               "s3:GetObject",
	"PutObject":               "s3:PutObject",
	"CreateMultipartUpload":   "s3:PutObject",
	"UploadPart":              "s3:PutObject",
	"CompleteMultipartUpload": "s3:PutObject",
	"AbortMultipartUpload":    "s3:AbortMultipartUpload",
	"DeleteObjects":           "s3:DeleteObject",
	"DeleteObject":            "s3:DeleteObject",
	"CopyObject":              "s3:GetObject and s3:PutObject",
}

// s3DeniedAction returns the IAM action an S3 AccessDenied in err was
// for, from the operation the SDK names; ok is false for any other error.
func s3DeniedAction(err error) (action string, ok bool) {
	var ae smithy.APIError
	var oe *smithy.OperationError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" || !errors.As(err, &oe) || oe.Service() != "S3" {
		return "", false
	}
	if a, known := s3Actions[oe.Operation()]; known {
		return a, true
	}
	return "the S3 action of " + oe.Operation(), true
}

// kmsDenied matches the message S3 relays when KMS refused it a key on
// the caller's behalf ("... is not authorized to perform:
// kms:GenerateDataKey on resource: arn:aws:kms:...:key/... because ...").
var kmsDenied = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`not authorized to perform: (kms:[A-Za-z]+) on resource: (arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+)`)
})

// deniedError is an S3 AccessDenied of deploy, named by its IAM action, or
// by the KMS action and key when the message says KMS refused S3 (the
// bucket's objects are encrypted with a customer managed key).
func deniedError(err error, action string, opts *deployOptions) *ExitError {
	target := "s3://" + opts.Bucket
	if opts.Prefix != "" {
		target += "/" + opts.Prefix
	}
	cmd := []string{"cfinv iam-policy --bucket " + target}
	what := action + " denied on " + target
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if m := kmsDenied().FindStringSubmatch(ae.ErrorMessage()); m != nil {
			what = m[1] + " on " + m[2] + " denied for " + target
			cmd = append(cmd, "--kms-key "+m[2])
		}
	}
	for _, d := range opts.Distributions {
		cmd = append(cmd, "--distribution-id "+d)
	}
	hint := "attach the policy printed by `" + strings.Join(cmd, " ") + "` (it has every S3 action deploy needs; add s3:PutObjectAcl when a route sets an acl)"
	code := ExitAuth
	if errors.Is(err, deploy.ErrUpload) {
		code = ExitUploadFailed
		hint += "; no entry object was written and nothing was deleted: viewers see the previous version"
	}
	return &ExitError{Code: code, Err: fmt.Errorf("%s: %w", what, err), Hint: hint}
}

// wrongRegionHint is the hint for S3's 301 PermanentRedirect: the bucket
// is in another region than the one the requests were signed for, which
// only --region can cause (without it deploy asks S3 first).
func wrongRegionHint(err error, opts *deployOptions) (string, bool) {
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "PermanentRedirect" {
		return "", false
	}
	if opts.AWS.Region != "" {
		return "s3://" + opts.Bucket + " is not in --region " + opts.AWS.Region + ": leave --region out (deploy then asks S3 for the bucket's region) or give the bucket's region", true
	}
	return "s3://" + opts.Bucket + " is in another region than the endpoint's: check --s3-endpoint-url and AWS_ENDPOINT_URL_S3", true
}
