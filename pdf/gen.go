package pdf

//go:generate go run ./internal/gen -out testdata
