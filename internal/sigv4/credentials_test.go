package sigv4

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseCredentialsFile(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    map[string]string
		wantErr string
	}{
		{name: "empty", in: "", want: map[string]string{}},
		{name: "two profiles, comments, spacing, case", in: "\uFEFF# top\n[default]\naws_access_key_id = AKIA1\naws_secret_access_key=s1 \n; c\n\n[ prod ]\nAWS_ACCESS_KEY_ID=AKIA2\n  \nAws_Secret_Access_Key = s/2+x\naws_session_token = tok\nregion = us-east-1\n",
			want: map[string]string{"AKIA1": "s1", "AKIA2": "s/2+x"}},
		{name: "nested continuation lines", in: "[p]\ns3 =\n  max_concurrent_requests = 2\naws_access_key_id = A\naws_secret_access_key = S\n", want: map[string]string{"A": "S"}},
		{name: "profile without keys is ignored", in: "[sso]\nsso_start_url = https://x\n", want: map[string]string{}},
		{name: "same key twice with the same secret", in: "[a]\naws_access_key_id=A\naws_secret_access_key=S\n[b]\naws_access_key_id=A\naws_secret_access_key=S\n", want: map[string]string{"A": "S"}},
		{name: "same key with two secrets", in: "[a]\naws_access_key_id=A\naws_secret_access_key=S\n[b]\naws_access_key_id=A\naws_secret_access_key=T\n", wantErr: `profile "b" (line 4): access key A has two different secrets`},
		{name: "id without secret", in: "[a]\naws_access_key_id=A\n", wantErr: `profile "a" (line 1): aws_access_key_id and aws_secret_access_key must both be set`},
		{name: "key outside a profile", in: "aws_access_key_id=A\n", wantErr: "line 1: key outside a [profile] section"},
		{name: "garbage line", in: "[a]\nthis is not ini\n", wantErr: "line 2: expected key = value"},
		{name: "bad section", in: "[a\n", wantErr: "line 1: malformed section header"},
		{name: "empty section name", in: "[]\n", wantErr: "line 1: malformed section header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCredentialsFile(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
		})
	}
}

var (
	keyIDShape  = regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`)
	secretShape = regexp.MustCompile(`^[A-Za-z0-9+/]{40}$`)
)

func TestLoadOrCreateKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "keys")
	id, secret, created, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !created {
		t.Error("got created false on first call, want true")
	}
	if !keyIDShape.MatchString(id) || !secretShape.MatchString(secret) {
		t.Errorf("got pair %q %q, want AKIA+16 base32 and a 40-char secret", id, secret)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("got mode %v, want 0600", fi.Mode().Perm())
	}
	// The file is a shared-credentials file the AWS tools can read.
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := ParseCredentialsFile(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{id: secret}, keys); diff != "" {
		t.Errorf("file contents (-want +got):\n%s", diff)
	}
	id2, secret2, created2, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if created2 || id2 != id || secret2 != secret {
		t.Errorf("second call: got %q %q created=%v, want the same pair, created=false", id2, secret2, created2)
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("got %d files in the directory, want 1 (no temp files left)", len(entries))
	}
}

func TestLoadOrCreateKeyFileConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys")
	const n = 8
	ids := make([]string, n)
	var createdCount int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, secret, created, err := LoadOrCreateKeyFile(path)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			ids[i] = id + ":" + secret
			if created {
				createdCount++
			}
		}()
	}
	wg.Wait()
	for _, id := range ids[1:] {
		if id != ids[0] {
			t.Fatalf("callers got different pairs: %v", ids)
		}
	}
	if createdCount != 1 {
		t.Errorf("got %d callers reporting created, want 1", createdCount)
	}
}

func TestLoadOrCreateKeyFileRejectsBadFile(t *testing.T) {
	tests := map[string]string{
		"two pairs": "[a]\naws_access_key_id=A\naws_secret_access_key=S\n[b]\naws_access_key_id=B\naws_secret_access_key=T\n",
		"no pair":   "# nothing\n",
		"malformed": "garbage\n",
	}
	for name, content := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "keys")
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, _, _, err := LoadOrCreateKeyFile(path); err == nil {
				t.Error("got nil error, want one")
			}
			got, err := os.ReadFile(path)
			if err != nil || string(got) != content {
				t.Errorf("file was changed: %q, %v", got, err)
			}
		})
	}
}

func TestNewKeyPairIsRandom(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id, secret, err := NewKeyPair()
		if err != nil {
			t.Fatal(err)
		}
		if !keyIDShape.MatchString(id) || !secretShape.MatchString(secret) {
			t.Fatalf("got %q %q, want AKIA+16 base32 and a 40-char secret", id, secret)
		}
		if seen[id] || seen[secret] {
			t.Fatalf("repeated value after %d pairs", len(seen)/2)
		}
		seen[id], seen[secret] = true, true
	}
}
