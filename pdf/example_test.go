package pdf_test

import (
	"bytes"
	"fmt"
	"log"
	"os"

	"github.com/kyso-vn/kyso/pdf"
)

// This example reads a document with three incremental updates, shows its
// revisions, and appends one more update.
func Example() {
	data, err := os.ReadFile("testdata/valid/incremental.pdf")
	if err != nil {
		log.Fatal(err)
	}
	r, err := pdf.Open(bytes.NewReader(data), int64(len(data)), nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, rev := range r.Revisions() {
		fmt.Printf("revision %d: xref at %d, ends at %d, defines %d objects\n",
			rev.Index, rev.XRefOffset, rev.End, len(rev.Objects))
	}
	n, _ := r.NumPages()
	fmt.Println("pages:", n)

	info, _ := r.Resolve(r.Trailer()["Info"])
	fmt.Println("title:", info.(pdf.Dict)["Title"].(pdf.String).Text())

	// Append an update: a new Info dictionary.
	u := pdf.NewUpdate(r)
	ref := u.Alloc()
	u.Set(ref, pdf.Dict{"Title": pdf.TextString("Đã ký số")})
	u.SetTrailer("Info", ref)
	var appended bytes.Buffer
	if _, err := u.WriteTo(&appended); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("object %v written at offset %d\n", ref, r.Size()+u.Offsets()[ref])

	signed := append(data, appended.Bytes()...)
	r2, err := pdf.Open(bytes.NewReader(signed), int64(len(signed)), nil)
	if err != nil {
		log.Fatal(err)
	}
	info, _ = r2.Resolve(r2.Trailer()["Info"])
	fmt.Println("revisions:", len(r2.Revisions()), "title:", info.(pdf.Dict)["Title"].(pdf.String).Text())

	// Output:
	// revision 0: xref at 753, ends at 1077, defines 9 objects
	// revision 1: xref at 1310, ends at 1529, defines 3 objects
	// revision 2: xref at 1627, ends at 1803, defines 1 objects
	// revision 3: xref at 1866, ends at 2065, defines 2 objects
	// pages: 2
	// title: Updated once
	// object 10 0 R written at offset 2066
	// revisions: 5 title: Đã ký số
}

// This example finds the signature placeholder written with Raw.
func ExampleRaw() {
	data, _ := os.ReadFile("testdata/valid/classic13.pdf")
	r, err := pdf.Open(bytes.NewReader(data), int64(len(data)), nil)
	if err != nil {
		log.Fatal(err)
	}
	u := pdf.NewUpdate(r)
	sig := u.Alloc()
	placeholder := "<" + string(bytes.Repeat([]byte("0"), 16)) + ">"
	u.Set(sig, pdf.Dict{"Type": pdf.Name("Sig"), "Contents": pdf.Raw(placeholder)})
	var buf bytes.Buffer
	if _, err := u.WriteTo(&buf); err != nil {
		log.Fatal(err)
	}
	obj := u.Offsets()[sig]
	at := obj + int64(bytes.Index(buf.Bytes()[obj:], []byte(placeholder)))
	fmt.Printf("%s\n", buf.Bytes()[obj:obj+int64(bytes.IndexByte(buf.Bytes()[obj:], '\n'))])
	fmt.Println("placeholder at file offset", r.Size()+at)
	// Output:
	// 9 0 obj
	// placeholder at file offset 1096
}
