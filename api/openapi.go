package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/invopop/jsonschema"
)

// The OpenAPI 3.1 document is built from the operation table at start:
// paths and operations from operations(), component schemas reflected
// from the Go types the handlers decode and encode (JSON Schema 2020-12,
// which OpenAPI 3.1 uses), errors as RFC 9457 problem details.

var chiParam = regexp.MustCompile(`\{([a-zA-Z_]+)(:[^}]*)?\}`)

// openapiPath turns a chi pattern into an OpenAPI path template.
func openapiPath(p string) string { return chiParam.ReplaceAllString(p, "{$1}") }

func buildOpenAPI(ops []operation, cfg Config) []byte {
	schemas := map[string]any{}
	ref := func(v any) map[string]any { return schemaFor(v, schemas) }
	problem := ref(Problem{})
	paths := map[string]map[string]any{}
	for _, op := range ops {
		p := apiPrefix + openapiPath(op.path)
		o := map[string]any{"operationId": op.id, "summary": op.summary, "tags": []string{op.tag}}
		if op.who != "" {
			o["description"] = "Who may: " + op.who + "."
		}
		var params []any
		for _, m := range chiParam.FindAllStringSubmatch(op.path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range op.query {
			params = append(params, paramJSON(q, "query"))
		}
		for _, h := range op.headers {
			params = append(params, paramJSON(h, "header"))
		}
		if params != nil {
			o["parameters"] = params
		}
		switch {
		case op.in != nil:
			o["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": ref(op.in)}}}
		case op.body == "multipart/form-data":
			o["requestBody"] = map[string]any{"required": true, "content": map[string]any{"multipart/form-data": map[string]any{
				"schema": map[string]any{"type": "object", "required": []string{"metadata", "file"}, "properties": map[string]any{
					"metadata": ref(uploadMetadata{}),
					"file":     map[string]any{"type": "string", "contentMediaType": "application/octet-stream"},
				}},
				"encoding": map[string]any{"metadata": map[string]any{"contentType": "application/json"}},
			}}}
		case op.body != "":
			o["requestBody"] = map[string]any{"required": true, "content": map[string]any{op.body: map[string]any{
				"schema": map[string]any{"type": "string", "contentMediaType": op.body}}}}
		}
		resp := map[string]any{}
		ok := map[string]any{"description": http.StatusText(op.status)}
		switch {
		case op.out != nil:
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": ref(op.out)}}
		case op.outMedia != "":
			ok["content"] = map[string]any{op.outMedia: map[string]any{"schema": map[string]any{"type": "string", "contentMediaType": op.outMedia}}}
		}
		if op.status == http.StatusFound || op.status == http.StatusSeeOther {
			ok["headers"] = map[string]any{"Location": map[string]any{"schema": map[string]any{"type": "string"}}}
		}
		resp[strconv.Itoa(op.status)] = ok
		codes := append([]int{}, op.errors...)
		if !op.anonymous {
			codes = append(codes, 401, 403)
		}
		for _, c := range codes {
			resp[strconv.Itoa(c)] = map[string]any{"description": http.StatusText(c),
				"content": map[string]any{"application/problem+json": map[string]any{"schema": problem}}}
		}
		o["responses"] = resp
		if op.anonymous {
			o["security"] = []any{}
		}
		if len(op.scopes) > 0 {
			o["x-kyso-scopes"] = op.scopes
		}
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		paths[p][strings.ToLower(op.method)] = o
	}
	servers := []any{map[string]any{"url": "/"}}
	if cfg.PublicURL != "" {
		servers = append([]any{map[string]any{"url": strings.TrimRight(cfg.PublicURL, "/")}}, servers...)
	}
	doc := map[string]any{
		"openapi":           "3.1.0",
		"jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
		"info": map[string]any{"title": "kyso API", "version": "1",
			"description": "The JSON API of kyso: dossiers, documents, signing (server-side keys and the two-phase external flow), verification, " +
				"provenance, evidence proofs and checkpoints, reports, archive export and administration. Errors are RFC 9457 problem details " +
				"(application/problem+json) whose type is " + problemBase + "<kind>. Lists are paged with an opaque cursor. A session " +
				"(cookie kyso_session) needs the X-CSRF-Token header on every state-changing request; an API token is sent as " +
				"Authorization: Bearer kyso_… and carries scopes (x-kyso-scopes on each operation names the ones that admit it)."},
		"servers": servers,
		"paths":   paths,
		"security": []any{
			map[string]any{"session": []string{}},
			map[string]any{"token": []string{}},
		},
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": sessionCookie,
					"description": "Staff session from POST /api/v1/auth/login or single sign-on; state-changing requests need X-CSRF-Token."},
				"token": map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "kyso_<43 base64url characters>",
					"description": "API token with scopes: " + strings.Join(Scopes, ", ") + "."},
			},
		},
	}
	b, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		panic("api: OpenAPI document: " + err.Error())
	}
	return b
}

func paramJSON(q param, in string) map[string]any {
	typ := q.typ
	if typ == "" {
		typ = "string"
	}
	m := map[string]any{"name": q.name, "in": in, "schema": map[string]any{"type": typ}}
	if q.required {
		m["required"] = true
	}
	if q.desc != "" {
		m["description"] = q.desc
	}
	return m
}

// schemaFor reflects v's type into components (by type name) and returns
// a reference to it (or an inline schema for maps and slices).
func schemaFor(v any, components map[string]any) map[string]any {
	r := &jsonschema.Reflector{Anonymous: true, AllowAdditionalProperties: true, Mapper: func(t reflect.Type) *jsonschema.Schema {
		switch t {
		case reflect.TypeFor[time.Duration]():
			return &jsonschema.Schema{Type: "integer", Description: "nanoseconds"}
		case reflect.TypeFor[json.RawMessage]():
			return &jsonschema.Schema{}
		}
		return nil
	}}
	s := r.Reflect(v)
	raw, _ := json.Marshal(s)
	raw = []byte(strings.ReplaceAll(string(raw), "#/$defs/", "#/components/schemas/"))
	var m map[string]any
	json.Unmarshal(raw, &m)
	defs, _ := m["$defs"].(map[string]any)
	names := make([]string, 0, len(defs))
	for n := range defs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		components[n] = defs[n]
	}
	delete(m, "$defs")
	delete(m, "$schema")
	return m
}

func (s *Server) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(s.openapi)
}
