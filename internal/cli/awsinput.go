package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// The AWS CLI's inputs of create-invalidation (--invalidation-batch,
// --cli-input-json, --generate-cli-skeleton), so that an "aws cloudfront
// create-invalidation" command line works with "cfinv" in its place. A
// library user passes cfinv.Request.Paths instead.

// awsBatch is the AWS CLI's InvalidationBatch input.
type awsBatch struct {
	Paths struct {
		Quantity *int     `json:"Quantity"`
		Items    []string `json:"Items"`
	} `json:"Paths"`
	CallerReference string `json:"CallerReference"`
}

type cliInput struct {
	DistributionID    string    `json:"DistributionId"`
	InvalidationBatch *awsBatch `json:"InvalidationBatch"`
}

// readArg returns the value of an AWS-CLI-style argument: file://F reads F.
func readArg(flag, v string) ([]byte, error) {
	if name, ok := strings.CutPrefix(v, "file://"); ok {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, flagErrorf("read %s: %v", flag, err)
		}
		return b, nil
	}
	return []byte(v), nil
}

func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("extra data after the JSON value")
	}
	return nil
}

func checkBatch(flag string, b *awsBatch) error {
	if b.Paths.Quantity != nil && *b.Paths.Quantity != len(b.Paths.Items) {
		return flagErrorf("%s: Paths.Quantity is %d but Items has %d paths", flag, *b.Paths.Quantity, len(b.Paths.Items))
	}
	return nil
}

// parseInvalidationBatch reads --invalidation-batch: JSON, file://F, or
// the AWS CLI shorthand.
func parseInvalidationBatch(v string) (*awsBatch, error) {
	data, err := readArg("--invalidation-batch", v)
	if err != nil {
		return nil, err
	}
	b := &awsBatch{}
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
		if err := decodeStrict(t, b); err != nil {
			return nil, flagErrorf("--invalidation-batch: invalid JSON: %v", err)
		}
	} else if b, err = parseShorthand(string(t)); err != nil {
		return nil, flagErrorf("--invalidation-batch: %v", err)
	}
	return b, checkBatch("--invalidation-batch", b)
}

// parseShorthand reads "Paths={Quantity=N,Items=[/a,/b]},CallerReference=x".
// Items cannot contain ',' ']' or '}' in this form: use JSON for those.
func parseShorthand(s string) (*awsBatch, error) {
	b := &awsBatch{}
	rest := s
	for rest != "" {
		key, after, ok := strings.Cut(rest, "=")
		if !ok {
			return nil, fmt.Errorf("shorthand: expected key=value at %q", rest)
		}
		switch strings.TrimSpace(key) {
		case "Paths":
			if !strings.HasPrefix(after, "{") {
				return nil, fmt.Errorf("shorthand: Paths must be {Quantity=N,Items=[…]}")
			}
			end := strings.IndexByte(after, '}')
			if end < 0 {
				return nil, fmt.Errorf("shorthand: missing '}' after Paths")
			}
			if err := parseShorthandPaths(after[1:end], b); err != nil {
				return nil, err
			}
			rest = strings.TrimPrefix(after[end+1:], ",")
		case "CallerReference":
			val, next, _ := strings.Cut(after, ",")
			b.CallerReference = val
			rest = next
		default:
			return nil, fmt.Errorf("shorthand: unknown key %q (want Paths or CallerReference)", key)
		}
	}
	return b, nil
}

func parseShorthandPaths(s string, b *awsBatch) error {
	for s != "" {
		key, after, ok := strings.Cut(s, "=")
		if !ok {
			return fmt.Errorf("shorthand: expected key=value in Paths at %q", s)
		}
		switch strings.TrimSpace(key) {
		case "Quantity":
			val, next, _ := strings.Cut(after, ",")
			n, err := strconv.Atoi(strings.TrimSpace(val))
			if err != nil {
				return fmt.Errorf("shorthand: Quantity %q is not a number", val)
			}
			b.Paths.Quantity = &n
			s = next
		case "Items":
			if !strings.HasPrefix(after, "[") {
				return fmt.Errorf("shorthand: Items must be [path,…]")
			}
			end := strings.IndexByte(after, ']')
			if end < 0 {
				return fmt.Errorf("shorthand: missing ']' after Items")
			}
			for it := range strings.SplitSeq(after[1:end], ",") {
				if it != "" {
					b.Paths.Items = append(b.Paths.Items, it)
				}
			}
			s = strings.TrimPrefix(after[end+1:], ",")
		default:
			return fmt.Errorf("shorthand: unknown key %q in Paths (want Quantity or Items)", key)
		}
	}
	return nil
}

func parseCLIInputJSON(v string) (*cliInput, error) {
	data, err := readArg("--cli-input-json", v)
	if err != nil {
		return nil, err
	}
	in := &cliInput{}
	if err := decodeStrict(data, in); err != nil {
		return nil, flagErrorf("--cli-input-json: invalid JSON: %v", err)
	}
	if in.InvalidationBatch != nil {
		if err := checkBatch("--cli-input-json", in.InvalidationBatch); err != nil {
			return nil, err
		}
	}
	return in, nil
}

const inputSkeleton = `{
    "DistributionId": "",
    "InvalidationBatch": {
        "Paths": {
            "Quantity": 0,
            "Items": [
                ""
            ]
        },
        "CallerReference": ""
    }
}
`

// The skeletons of --generate-cli-skeleton, byte for byte those the AWS CLI
// v1 prints (awscli/customizations/generatecliskeleton.py): the input with
// empty values, the output with each string named after its key.
const (
	outputSkeleton = `{
    "Location": "Location",
    "Invalidation": {
        "Id": "Id",
        "Status": "Status",
        "CreateTime": "1970-01-01T00:00:00",
        "InvalidationBatch": {
            "Paths": {
                "Quantity": 0,
                "Items": [
                    "string"
                ]
            },
            "CallerReference": "CallerReference"
        }
    }
}
`
	getInputSkeleton = `{
    "DistributionId": "",
    "Id": ""
}
`
	getOutputSkeleton = `{
    "Invalidation": {
        "Id": "Id",
        "Status": "Status",
        "CreateTime": "1970-01-01T00:00:00",
        "InvalidationBatch": {
            "Paths": {
                "Quantity": 0,
                "Items": [
                    "string"
                ]
            },
            "CallerReference": "CallerReference"
        }
    }
}
`
	listInputSkeleton = `{
    "DistributionId": "",
    "Marker": "",
    "MaxItems": ""
}
`
	listOutputSkeleton = `{
    "InvalidationList": {
        "Marker": "Marker",
        "NextMarker": "NextMarker",
        "MaxItems": 0,
        "IsTruncated": true,
        "Quantity": 0,
        "Items": [
            {
                "Id": "Id",
                "CreateTime": "1970-01-01T00:00:00",
                "Status": "Status"
            }
        ]
    }
}
`
)

// skeletonFlag registers --generate-cli-skeleton [input|output] on cmd.
func skeletonFlag(cmd *cobra.Command, p *string) {
	fl := cmd.Flags()
	fl.StringVar(p, "generate-cli-skeleton", "", "print the JSON skeleton of the input (input, the default) or of the output (output), and exit")
	fl.Lookup("generate-cli-skeleton").NoOptDefVal = "input"
}

// printSkeleton prints the skeleton --generate-cli-skeleton asks for and
// reports whether it did; any other value than input or output is a usage
// error listing them, as the AWS CLI's.
func printSkeleton(ios *IO, value, input, output string) (bool, error) {
	var s string
	switch value {
	case "":
		return false, nil
	case "input":
		s = input
	case "output":
		s = output
	default:
		return true, flagErrorf("invalid --generate-cli-skeleton %q: valid choices are: input | output", value)
	}
	_, err := io.WriteString(ios.Out, s)
	return true, err
}

// awsCallerReference is the caller reference the AWS CLI makes up for
// create-invalidation --paths (awscli/customizations/cloudfront.py:
// "cli-" + Unix seconds + "-" + a random integer from 1 to 1000000).
func awsCallerReference(now time.Time) string {
	return fmt.Sprintf("cli-%d-%d", now.Unix(), rand.IntN(1000000)+1)
}
