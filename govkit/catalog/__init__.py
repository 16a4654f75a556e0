"""Service catalog (事项目录/实施清单): items, implementations, materials, fees."""
