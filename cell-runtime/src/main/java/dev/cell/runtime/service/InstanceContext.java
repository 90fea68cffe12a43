package dev.cell.runtime.service;

import dev.cell.runtime.CellContext;
import dev.cell.runtime.TissueControl;
import dev.cell.runtime.client.CellHome;
import dev.cell.runtime.log.CellLog;

import java.nio.file.Path;

record InstanceContext(String cellName, String instanceId, Path cellDir, Path runDir, CellLog log)
    implements CellContext
{
    @Override
    public TissueControl tissue()
    {
        return new SupervisorLink(CellHome.resolve(), System.getProperty(CellMain.SUPERVISOR_PID_PROPERTY),
            cellName);
    }
}
