// Loaded by mocha before any test: components log nothing unless KITE_LOG_LEVEL asks for it.
process.env.KITE_LOG_LEVEL ??= 'silent';
