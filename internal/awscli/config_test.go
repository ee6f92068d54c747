package awscli

import "testing"

// TestProfileSetting pins how the shared config file is read for the
// output setting: as botocore's RawConfigParser reads it.
func TestProfileSetting(t *testing.T) {
	const data = `# comment
[default]
OUTPUT = text
; another comment
[profile default]
region = us-east-1
[profile  spaced ]
output: table
[profile nested]
s3 =
  output = text
output = json
[profile later]
output = text
output = json
[other]
output = table
`
	tests := []struct {
		profile, want string
	}{
		{"default", "text"},
		{"spaced", "table"},
		{"nested", "json"},
		{"later", "json"},
		{"other", ""},
		{"missing", ""},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			if got := profileSetting([]byte(data), tt.profile, "output"); got != tt.want {
				t.Errorf("profileSetting(%q) = %q, want %q", tt.profile, got, tt.want)
			}
		})
	}
}
