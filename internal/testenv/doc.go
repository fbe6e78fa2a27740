// Package testenv gives kyso's integration tests the external services and tools they need,
// as provisioned by ./scripts/test (scripts/provision + scripts/services).
//
// Every helper reads environment variables written by `scripts/services start ENVFILE`:
//
//	KYSO_TEST_DATABASE_URL   postgres://postgres@127.0.0.1:5432/kyso_test_xxx?sslmode=disable
//	KYSO_TEST_S3_ENDPOINT    127.0.0.1:PORT of a MinIO server of this run (plain HTTP)
//	KYSO_TEST_S3_ACCESS_KEY  its root user
//	KYSO_TEST_S3_SECRET_KEY  its root password
//	KYSO_TEST_MINIO_BIN      the MinIO binary, so fault tests can stop and restart it
//	KYSO_TEST_MINIO_DATA     the MinIO data directory of this run
//	KYSO_TEST_PKCS11_MODULE  path of libsofthsm2.so
//	KYSO_TEST_PKCS11_TOKEN   token label (kyso-test)
//	KYSO_TEST_PKCS11_PIN     user PIN (1234)
//	SOFTHSM2_CONF            SoftHSM2 configuration pointing at this run's token directory
//
// When a variable is missing the test is skipped, so `go test ./...` on a bare checkout
// runs the unit tests only. When CI is set (non-empty) or KYSO_TEST_REQUIRE_SERVICES=1
// (./scripts/test sets it), a missing variable fails the test instead: an integration test
// must never pass by skipping where the services are supposed to be there.
//
// Run everything with
//
//	./scripts/test                 # or: ./scripts/test -run TestX ./storage/...
//
// or keep services up while iterating:
//
//	scripts/services start /tmp/kyso.env && . /tmp/kyso.env
//	go test ./storage/...
//	scripts/services stop /tmp/kyso.env
//
// The helpers never connect to anything; they only hand out addresses, credentials and
// paths. Each database, bucket namespace and token belongs to one ./scripts/test run, and
// all packages of that run share them: tests must create their own tables, buckets and keys
// under unique names (or schemas) and not assume an empty server.
package testenv
