package bundle

// Volatile exposes volatile to the tests.
var Volatile = volatile
