module github.com/kyso-vn/kyso

go 1.26

require (
	github.com/ThalesGroup/crypto11 v1.5.0
	github.com/digitorus/pdfsign v0.0.0-20260407063256-85ede6424a74
	github.com/digitorus/pkcs7 v0.0.0-20230818184609-3a137a874352
	github.com/digitorus/timestamp v0.0.0-20231217203849-220c5c2851b7
	github.com/go-pdf/fpdf v0.9.0
	github.com/skip2/go-qrcode v0.0.0-20200617195104-da1b6568686e
	golang.org/x/crypto v0.49.0
	software.sslmate.com/src/go-pkcs12 v0.7.4
)

require (
	github.com/digitorus/pdf v0.1.2 // indirect
	github.com/mattetti/filebuffer v1.0.1 // indirect
	github.com/miekg/pkcs11 v1.1.1 // indirect
	github.com/pkg/errors v0.9.1 // indirect
	github.com/thales-e-security/pool v0.0.2 // indirect
	golang.org/x/text v0.35.0 // indirect
)
