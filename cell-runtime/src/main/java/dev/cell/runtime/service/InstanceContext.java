package dev.cell.runtime.service;

import dev.cell.runtime.CellContext;
import dev.cell.runtime.log.CellLog;

import java.nio.file.Path;

record InstanceContext(String cellName, String instanceId, Path cellDir, Path runDir, CellLog log)
    implements CellContext
{
}
