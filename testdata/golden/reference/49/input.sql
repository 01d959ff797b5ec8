… SELECT logs.metadata.nested.deep FROM logs
