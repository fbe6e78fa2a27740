package api

import (
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"
)

// TestOpenAPIDocumentsEveryRoute walks the router and the served
// document: a route under /api/v1 not documented, or a documented one not
// mounted, fails; the document must be valid OpenAPI 3.1.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	e := newEnv(t, envOptions{})
	r := e.anonymous().get("/api/v1/openapi.json")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("openapi.json: %d %s", r.status, r.header.Get("Content-Type"))
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(r.body)
	if err != nil {
		t.Fatalf("loading the document: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() || doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi %q: want 3.1.0", doc.OpenAPI)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("the document is not valid OpenAPI 3.1: %v", err)
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			documented[method+" "+path] = true
			if op.Responses == nil || op.Responses.Len() == 0 {
				t.Errorf("%s %s documents no response", method, path)
			}
			for code, resp := range op.Responses.Map() {
				if code >= "400" && resp.Value.Content.Get("application/problem+json") == nil {
					t.Errorf("%s %s: error %s is not a problem+json", method, path, code)
				}
			}
		}
	}
	mounted := map[string]bool{}
	err = chi.Walk(e.srv.router, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if !strings.HasPrefix(route, apiPrefix+"/") {
			return nil
		}
		route = strings.TrimSuffix(route, "/")
		mounted[method+" "+openapiPath(route)] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for k := range mounted {
		if !documented[k] {
			t.Errorf("mounted but not documented: %s", k)
		}
	}
	for k := range documented {
		if !mounted[k] {
			t.Errorf("documented but not mounted: %s", k)
		}
	}
	keys := make([]string, 0, len(mounted))
	for k := range mounted {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) < 50 {
		t.Errorf("only %d routes walked: %v", len(keys), keys)
	}
	// Schemas are referenced, not dangling.
	for _, want := range []string{"Dossier", "DocumentVersion", "Assessment", "Problem"} {
		if doc.Components.Schemas[want] == nil {
			t.Errorf("component schema %s is missing (have %d)", want, len(doc.Components.Schemas))
		}
	}
	if !slices.Contains(doc.Paths.Find(apiPrefix+"/dossiers").Get.Tags, "dossiers") {
		t.Error("listDossiers is not tagged")
	}
}
