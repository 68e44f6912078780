// Package access holds gridmap's access control: tokens, the roles they
// carry, the scope (a unit and everything below it) they are limited to,
// and the permissions each role grants. Every handler — boundary edits,
// imports, reports — asks the same question the same way: Principal.Authorize.
//
// It imports geo for unit codes and the error type, and nothing that does
// input or output. Tokens are stored by the PostgreSQL adapter
// (geo/postgres, tokens.go), which implements TokenStore beside the other
// stores: one adapter per dependency, sharing one pool and one error
// classifier, rather than an adapter package per domain package.
package access
