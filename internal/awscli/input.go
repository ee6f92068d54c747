package awscli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"
)

// The AWS CLI's inputs of create-invalidation (--invalidation-batch,
// --cli-input-json, --generate-cli-skeleton), so that an "aws cloudfront
// create-invalidation" command line works with "cfinv" in its place. A
// library user passes cfinv.Request.Paths instead.

// Batch is the AWS CLI's InvalidationBatch input.
type Batch struct {
	Paths struct {
		Quantity *int     `json:"Quantity"`
		Items    []string `json:"Items"`
	} `json:"Paths"`
	CallerReference string `json:"CallerReference"`
}

// CLIInput is the document of create-invalidation --cli-input-json.
type CLIInput struct {
	DistributionID    string `json:"DistributionId"`
	InvalidationBatch *Batch `json:"InvalidationBatch"`
}

// decodeStrict decodes the one JSON value of data into v, refusing
// unknown fields. A syntax or type error names the line and column, as
// the AWS CLI's "Invalid JSON: …: line 4 column 2 (char 44)" does.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var (
			se *json.SyntaxError
			te *json.UnmarshalTypeError
		)
		switch {
		// Offset counts the bytes read, the offending one included.
		case errors.As(err, &se):
			return fmt.Errorf("%s: %w", position(data, se.Offset-1), err)
		case errors.As(err, &te):
			return fmt.Errorf("%s: %w", position(data, te.Offset-1), err)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return fmt.Errorf("%s: the JSON ends too early (a missing '}' or ']'?)", position(data, int64(len(data))))
		}
		return err
	}
	if dec.More() {
		return fmt.Errorf("%s: extra data after the JSON value", position(data, dec.InputOffset()))
	}
	return nil
}

// position is "line L column C" of the byte at offset in data, both
// counted from 1 (the column in characters), as the AWS CLI counts them.
func position(data []byte, offset int64) string {
	offset = min(max(offset, 0), int64(len(data)))
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return fmt.Sprintf("line %d column %d", line, col)
}

// jsonError is the usage error of JSON that flag could not use, naming
// the file it came from when there is one.
func jsonError(flag, source string, err error) error {
	if source != "" {
		return usageErrorf("%s: invalid JSON in %s: %v", flag, source, err)
	}
	return usageErrorf("%s: invalid JSON: %v", flag, err)
}

func checkBatch(flag string, b *Batch) error {
	if b.Paths.Quantity != nil && *b.Paths.Quantity != len(b.Paths.Items) {
		return usageErrorf("%s: Paths.Quantity is %d but Items has %d paths", flag, *b.Paths.Quantity, len(b.Paths.Items))
	}
	return nil
}

// ParseInvalidationBatch reads the value of --invalidation-batch: JSON or
// the AWS CLI shorthand. source is what a JSON error names: the file data
// was read from, else "".
func ParseInvalidationBatch(data []byte, source string) (*Batch, error) {
	b := &Batch{}
	var err error
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
		if err := decodeStrict(bytes.TrimRightFunc(data, unicode.IsSpace), b); err != nil {
			return nil, jsonError("--invalidation-batch", source, err)
		}
	} else if b, err = parseShorthand(string(t)); err != nil {
		return nil, usageErrorf("--invalidation-batch: %v", err)
	}
	return b, checkBatch("--invalidation-batch", b)
}

// parseShorthand reads "Paths={Quantity=N,Items=[/a,/b]},CallerReference=x".
// Items cannot contain ',' ']' or '}' in this form: use JSON for those.
func parseShorthand(s string) (*Batch, error) {
	b := &Batch{}
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

func parseShorthandPaths(s string, b *Batch) error {
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

// ParseCLIInput reads the document of --cli-input-json; source is what an
// error names, as for ParseInvalidationBatch.
func ParseCLIInput(data []byte, source string) (*CLIInput, error) {
	in := &CLIInput{}
	if err := decodeStrict(data, in); err != nil {
		return nil, jsonError("--cli-input-json", source, err)
	}
	if in.InvalidationBatch != nil {
		if err := checkBatch("--cli-input-json", in.InvalidationBatch); err != nil {
			return nil, err
		}
	}
	return in, nil
}

// CreateInputSkeleton is create-invalidation --generate-cli-skeleton's.
const CreateInputSkeleton = `{
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
	CreateOutputSkeleton = `{
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
	GetInputSkeleton = `{
    "DistributionId": "",
    "Id": ""
}
`
	GetOutputSkeleton = `{
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
	ListInputSkeleton = `{
    "DistributionId": "",
    "Marker": "",
    "MaxItems": ""
}
`
	ListOutputSkeleton = `{
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

// SkeletonFlag registers --generate-cli-skeleton [input|output] on cmd.
func SkeletonFlag(cmd *cobra.Command, p *string) {
	fl := cmd.Flags()
	fl.StringVar(p, "generate-cli-skeleton", "", "print the JSON skeleton of the input (input, the default) or of the output (output), and exit")
	fl.Lookup("generate-cli-skeleton").NoOptDefVal = "input"
}

// PrintSkeleton prints the skeleton --generate-cli-skeleton asks for and
// reports whether it did; any other value than input or output is a usage
// error listing them, as the AWS CLI's.
func PrintSkeleton(w io.Writer, value, input, output string) (bool, error) {
	var s string
	switch value {
	case "":
		return false, nil
	case "input":
		s = input
	case "output":
		s = output
	default:
		return true, CheckSkeleton(value)
	}
	_, err := io.WriteString(w, s)
	return true, err
}

// CheckSkeleton refuses a --generate-cli-skeleton value other than input
// or output, listing them, as the AWS CLI does.
func CheckSkeleton(value string) error {
	if value != "input" && value != "output" {
		return usageErrorf("invalid --generate-cli-skeleton %q: valid choices are: input | output", value)
	}
	return nil
}

// CallerReference is the caller reference the AWS CLI makes up for
// create-invalidation --paths (awscli/customizations/cloudfront.py:
// "cli-" + Unix seconds + "-" + a random integer from 1 to 1000000).
func CallerReference(now time.Time) string {
	return fmt.Sprintf("cli-%d-%d", now.Unix(), rand.IntN(1000000)+1)
}
