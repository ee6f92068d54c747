package cli

import (
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv/internal/awscli"
)

// The AWS CLI's JSON shapes, so scripts written for it keep working.
type (
	pathsJSON struct {
		Quantity int      `json:"Quantity"`
		Items    []string `json:"Items,omitempty"`
	}
	batchJSON struct {
		Paths           pathsJSON `json:"Paths"`
		CallerReference string    `json:"CallerReference"`
	}
	invalidationJSON struct {
		ID                string     `json:"Id"`
		Status            string     `json:"Status"`
		CreateTime        string     `json:"CreateTime"`
		InvalidationBatch *batchJSON `json:"InvalidationBatch,omitempty"`
	}
)

func toInvalidationJSON(inv *types.Invalidation) *invalidationJSON {
	if inv == nil {
		return nil
	}
	out := &invalidationJSON{ID: aws.ToString(inv.Id), Status: aws.ToString(inv.Status), CreateTime: awscli.Time(aws.ToTime(inv.CreateTime))}
	if b := inv.InvalidationBatch; b != nil {
		out.InvalidationBatch = &batchJSON{CallerReference: aws.ToString(b.CallerReference)}
		if b.Paths != nil {
			out.InvalidationBatch.Paths = pathsJSON{Quantity: int(aws.ToInt32(b.Paths.Quantity)), Items: b.Paths.Items}
		}
	}
	return out
}

// format picks the output format of cfinv's own commands: --output,
// else table on a terminal and JSON otherwise.
func (f *awsFlags) format(ios *IO) string {
	if f.Output == "" && ios.IsStdoutTTY && f.Query == "" {
		return awscli.Table
	}
	return f.Output
}

// check validates --output and compiles --query, and refuses the AWS CLI
// global options cfinv does not take. Commands call it in RunE, before
// the test hook and their first API call, so that a typo in either costs
// nothing: an invalidation created and then not printed is paid for again
// by the corrected re-run (issue 10).
func (f *awsFlags) check() error {
	if err := f.checkGlobal(); err != nil {
		return err
	}
	return f.output().Check()
}

// render writes data in the format of cfinv's own commands: JSON is data
// as the AWS CLI would print it, after --query; text and table use the
// given writers unless --query is set, in which case the query result is
// printed as the AWS CLI's text output prints it.
func (f *awsFlags) render(ios *IO, data any, text, table func(w io.Writer)) error {
	o := f.output()
	o.Format = f.format(ios)
	return o.Print(ios.Out, awscli.Result{Data: data, Text: text, Table: table})
}
