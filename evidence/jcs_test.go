package evidence

import "testing"

func TestCanonicalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"b":1,"a":[true,null,"x"]}`, `{"a":[true,null,"x"],"b":1}`},
		{` { "a" : 1.0 , "b":1e21, "c":1e-7, "d": 0.000001, "e": -0, "f": 123456789012 } `,
			`{"a":1,"b":1e+21,"c":1e-7,"d":0.000001,"e":0,"f":123456789012}`},
		{`{"\u20ac":1,"\r":2,"1":3,"\u00e9":4}`, `{"\r":2,"1":3,"é":4,"€":1}`},
		{`"<>&\u2028\u0001"`, "\"<>&\u2028\\u0001\""},
		{`[1.5e300, 4.5, 0.1]`, `[1.5e+300,4.5,0.1]`},
		{`{"tên":"Nguyễn Văn A"}`, `{"tên":"Nguyễn Văn A"}`},
		// RFC 8785 appendix: sorting by UTF-16 code units.
		{`{"\ud83d\ude00":1,"\ufb33":2}`, "{\"\U0001F600\":1,\"\ufb33\":2}"},
	}
	for _, tt := range tests {
		got, err := Canonicalize([]byte(tt.in))
		if err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if string(got) != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{`{"a":1,"a":2}`, `{"a":1} x`, `[1,`, "\"\xff\""} {
		if _, err := Canonicalize([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
