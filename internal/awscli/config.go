package awscli

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// DefaultOutput returns the output format an AWS-named command prints in
// when --output is not given, found as the AWS CLI v1 finds it
// (botocore's "output" configuration variable): AWS_DEFAULT_OUTPUT, else
// the output setting of the profile in the shared config file, else ""
// (json). profile is --profile's value; without it the profile is
// AWS_DEFAULT_PROFILE, else AWS_PROFILE, else default, and the file is
// AWS_CONFIG_FILE, else ~/.aws/config. getenv is the environment.
//
// A value other than json, text or table is a *UsageError naming where
// it came from. The AWS CLI finds it only after its API call (having
// created the invalidation, it fails to print it); cfinv refuses it
// before anything is sent. A config file that cannot be read is taken as
// empty, as by the AWS CLI.
func DefaultOutput(getenv func(string) string, profile string) (string, error) {
	if v := getenv("AWS_DEFAULT_OUTPUT"); v != "" {
		if !validFormat(v) {
			return "", usageErrorf("invalid AWS_DEFAULT_OUTPUT %q: want json, text or table (or unset it)", v)
		}
		return v, nil
	}
	if profile == "" {
		profile = getenv("AWS_DEFAULT_PROFILE")
	}
	if profile == "" {
		profile = getenv("AWS_PROFILE")
	}
	if profile == "" {
		profile = "default"
	}
	file := configFile(getenv)
	if file == "" {
		return "", nil
	}
	b, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read AWS config file: %w", err)
	}
	v := profileSetting(b, profile, "output")
	if v != "" && !validFormat(v) {
		return "", usageErrorf("invalid output %q in profile %q of %s: want json, text or table", v, profile, file)
	}
	return v, nil
}

func validFormat(v string) bool { return v == JSON || v == Text || v == Table }

// configFile is the shared config file's path: AWS_CONFIG_FILE (a
// leading ~ expanded, as botocore does), else ~/.aws/config; "" when
// neither names a file.
func configFile(getenv func(string) string) string {
	home := getenv("HOME")
	if home == "" {
		home = getenv("USERPROFILE") // Windows, as os.UserHomeDir
	}
	file := getenv("AWS_CONFIG_FILE")
	if file == "" {
		file = "~/.aws/config"
	}
	if rest, ok := strings.CutPrefix(file, "~"); ok && (rest == "" || rest[0] == '/' || rest[0] == filepath.Separator) {
		if home == "" {
			return ""
		}
		file = home + rest
	}
	return file
}

// profileSetting returns the value of key in profile's section of the
// shared config file data, read as botocore reads it (Python's
// RawConfigParser): sections [default] or [profile NAME] (also
// [profile default]), "key = value" or "key: value" with the key's case
// ignored, whole-line comments starting with # or ;, indented lines
// continuing the value above (a nested block such as s3 = …, which is
// never a format). The last definition wins. "" when it is not set.
func profileSetting(data []byte, profile, key string) string {
	var (
		in    bool
		value string
	)
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		raw := sc.Text()
		line := strings.TrimSpace(raw)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if raw[0] == ' ' || raw[0] == '\t' {
			continue // a continuation line
		}
		if line[0] == '[' {
			end := strings.LastIndexByte(line, ']')
			if end < 0 {
				in = false
				continue
			}
			name := strings.TrimSpace(line[1:end])
			if f := strings.Fields(name); len(f) == 2 && f[0] == "profile" {
				name = f[1]
			} else if name != "default" {
				name = ""
			}
			in = name == profile
			continue
		}
		if !in {
			continue
		}
		i := strings.IndexAny(line, "=:")
		if i < 0 {
			continue
		}
		if strings.EqualFold(strings.TrimSpace(line[:i]), key) {
			value = strings.TrimSpace(line[i+1:])
		}
	}
	return value
}
