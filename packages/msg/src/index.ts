// Not built yet: see this package's README for the issue that fills it.
export {};
