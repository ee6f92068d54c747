package integrations

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// actionFile is the part of action.yml a composite action's runner reads.
type actionFile struct {
	Description string `yaml:"description"`
	Inputs      map[string]struct {
		Description string `yaml:"description"`
		Default     string `yaml:"default"`
		Required    bool   `yaml:"required"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Description string `yaml:"description"`
		Value       string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			ID    string            `yaml:"id"`
			Name  string            `yaml:"name"`
			Shell string            `yaml:"shell"`
			Run   string            `yaml:"run"`
			Env   map[string]string `yaml:"env"`
			If    string            `yaml:"if"`
			Uses  string            `yaml:"uses"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

func loadAction(t *testing.T) *actionFile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	if err := yaml.Unmarshal(data, &a); err != nil {
		t.Fatalf("parse action.yml: %v", err)
	}
	if a.Runs.Using != "composite" {
		t.Fatalf("action.yml runs.using = %q, want composite", a.Runs.Using)
	}
	// The runner evaluates expressions in descriptions when it loads the
	// action, where no context exists, and fails the job at "Set up job"
	// (TestActionUnderAct runs the real thing).
	descs := map[string]string{"description": a.Description}
	for name, in := range a.Inputs {
		descs["input "+name] = in.Description
	}
	for name, out := range a.Outputs {
		descs["output "+name] = out.Description
	}
	for where, d := range descs {
		if strings.Contains(d, "${{") {
			t.Fatalf("action.yml: the %s description holds an expression (${{ … }}), which the runner refuses when it loads the action: %q", where, d)
		}
	}
	return &a
}

// TestActionScripts checks what act's runs cannot show: every step of
// the composite action is a bash run: step whose text holds no
// expression, so that inputs reach the scripts only through env: (an
// input such as /q"$(touch pwned)" is then a path, never shell code).
func TestActionScripts(t *testing.T) {
	a := loadAction(t)
	if len(a.Runs.Steps) == 0 {
		t.Fatal("action.yml has no steps")
	}
	for i, st := range a.Runs.Steps {
		if st.Uses != "" || st.Shell != "bash" {
			t.Errorf("step %d (%s): uses %q, shell %q; want a run: step with shell: bash", i, st.Name, st.Uses, st.Shell)
		}
		if strings.Contains(st.Run, "${{") {
			t.Errorf("step %d (%s): run: text holds an expression; pass it through env: instead (script injection)", i, st.Name)
		}
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
