// Placeholder translation unit for a module library that has no sources yet.
