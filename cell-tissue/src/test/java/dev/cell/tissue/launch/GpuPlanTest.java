package dev.cell.tissue.launch;

import dev.cell.tissue.UserError;
import dev.cell.tissue.config.ConfigError;
import dev.cell.tissue.config.Resources;
import dev.cell.tissue.launch.GpuDevices.Gpu;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tomlj.Toml;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GpuPlanTest
{
    private static final Path FILE = Path.of("cell.toml");

    private static Resources resources(final String toml)
    {
        return Resources.parse(Toml.parse("[resources]\n" + toml).getTable("resources"), FILE);
    }

    private static GpuPlan host(final int gpus)
    {
        final List<Gpu> list = new java.util.ArrayList<>();
        for (int i = 0; i < gpus; i++)
        {
            list.add(new Gpu(i, "H200", 143_771));
        }
        return new GpuPlan(new GpuDevices.Found(List.copyOf(list), "test"));
    }

    @Test
    void shouldGiveEachInstanceItsOwnDevices()
    {
        final GpuPlan plan = host(3);
        plan.reserveAll(List.of(new GpuPlan.Ask("vectors", resources("gpu = 1"), 2),
            new GpuPlan.Ask("ranker", resources("gpu = 1"), 1), new GpuPlan.Ask("web", Resources.NONE, 2)));
        assertEquals("0", plan.assignment("vectors", 0).env().get(GpuPlan.VISIBLE_ENV));
        assertEquals("1", plan.assignment("vectors", 1).env().get(GpuPlan.VISIBLE_ENV));
        assertEquals("2", plan.assignment("ranker", 0).env().get(GpuPlan.VISIBLE_ENV));
        assertEquals("cuda", plan.assignment("ranker", 0).env().get(GpuPlan.BACKEND_ENV));
        assertTrue(plan.assignment("ranker", 0).note().contains("2 (H200, 140 GiB)"), plan.assignment("ranker", 0)
            .note());
        assertNull(plan.assignment("web", 0), "a cell that says nothing about GPUs is left alone");
    }

    @Test
    void shouldRefuseCellsWithoutFallbackBeforeAnythingIsGiven()
    {
        final GpuPlan plan = host(1);
        final UserError e = assertThrows(UserError.class, () -> plan.reserveAll(List.of(
            new GpuPlan.Ask("vectors", resources("gpu = 1"), 2))));
        assertTrue(e.getMessage().contains("vectors 2 × 1"), e.getMessage());
        assertTrue(e.getMessage().contains("this host has 1: 0 (H200, 140 GiB) (test)"), e.getMessage());
        assertNull(plan.assignment("vectors", 0), "a refused plan gives nothing");
        plan.reserveAll(List.of(new GpuPlan.Ask("vectors", resources("gpu = 1"), 1)));
        assertEquals("0", plan.assignment("vectors", 0).env().get(GpuPlan.VISIBLE_ENV));
    }

    @Test
    void shouldServeCellsThatCannotFallBackFirstAndRunTheRestOnTheCpu()
    {
        final GpuPlan plan = host(1);
        plan.reserveAll(List.of(new GpuPlan.Ask("vectors", resources("gpu = 1\ngpu_fallback = \"cpu\""), 2),
            new GpuPlan.Ask("trainer", resources("gpu = 1"), 1)));
        assertEquals("0", plan.assignment("trainer", 0).env().get(GpuPlan.VISIBLE_ENV));
        for (int i = 0; i < 2; i++)
        {
            final GpuPlan.Assignment a = plan.assignment("vectors", i);
            assertEquals("", a.env().get(GpuPlan.VISIBLE_ENV));
            assertEquals("cpu", a.env().get(GpuPlan.BACKEND_ENV));
            assertTrue(a.env().get(GpuPlan.REASON_ENV).contains("0 free of 1"), a.env().toString());
            assertTrue(a.note().startsWith("cpu fallback (gpu_fallback = \"cpu\")"), a.note());
        }
    }

    @Test
    void shouldTakeUpToMaxAndAtLeastMin()
    {
        final GpuPlan plan = host(3);
        plan.reserveAll(List.of(new GpuPlan.Ask("big", resources("gpu = { min = 1, max = 2 }"), 2)));
        assertEquals("0,1", plan.assignment("big", 0).env().get(GpuPlan.VISIBLE_ENV));
        assertEquals("2", plan.assignment("big", 1).env().get(GpuPlan.VISIBLE_ENV));
        final GpuPlan zero = host(2);
        zero.reserveAll(List.of(new GpuPlan.Ask("none", resources("gpu = 0"), 1)));
        assertEquals("", zero.assignment("none", 0).env().get(GpuPlan.VISIBLE_ENV));
    }

    @Test
    void shouldGiveDevicesBackWhenScaledDownAndKeepThemAcrossAgain()
    {
        final GpuPlan plan = host(2);
        final Resources one = resources("gpu = 1");
        plan.reserveAll(List.of(new GpuPlan.Ask("a", one, 2)));
        assertThrows(UserError.class, () -> plan.reserveAll(List.of(new GpuPlan.Ask("b", one, 1))));
        plan.reserveAll(List.of(new GpuPlan.Ask("a", one, 2)));
        assertEquals("1", plan.assignment("a", 1).env().get(GpuPlan.VISIBLE_ENV), "reserving again changes nothing");
        plan.release("a", 1);
        assertNull(plan.assignment("a", 1));
        assertEquals("0", plan.assignment("a", 0).env().get(GpuPlan.VISIBLE_ENV));
        plan.reserveAll(List.of(new GpuPlan.Ask("b", one, 1)));
        assertEquals("1", plan.assignment("b", 0).env().get(GpuPlan.VISIBLE_ENV));
    }

    @Test
    void shouldParseTheFallbackKeyAndRefuseOtherValues()
    {
        assertTrue(resources("gpu = 1\ngpu_fallback = \"cpu\"").gpuFallbackCpu());
        assertFalse(resources("gpu = 1\ngpu_fallback = \"none\"").gpuFallbackCpu());
        assertFalse(resources("gpu = 1").gpuFallbackCpu());
        final ConfigError e = assertThrows(ConfigError.class, () -> resources("gpu = 1\ngpu_fallback = \"tpu\""));
        assertTrue(e.getMessage().contains("resources.gpu_fallback (line 3) = \"tpu\" is not \"cpu\""),
            e.getMessage());
    }

    @Test
    void shouldFindDevicesFromNvidiaSmiProcOrTheOverride(@TempDir final Path dir) throws Exception
    {
        final List<Gpu> smi = GpuDevices.parseSmi("1, NVIDIA H200, 143771\n0, NVIDIA H200, 143771\n" +
            "No devices were found\n");
        assertEquals(List.of(new Gpu(0, "NVIDIA H200", 143_771), new Gpu(1, "NVIDIA H200", 143_771)), smi);

        for (final String bus : new String[] {"0000:c1:00.0", "0000:41:00.0"})
        {
            Files.createDirectories(dir.resolve(bus));
            Files.writeString(dir.resolve(bus).resolve("information"), "Model: \t\t NVIDIA A100-SXM4-80GB " + bus +
                "\nIRQ:  \t\t 38\nDevice Minor: \t 0\n");
        }
        final List<Gpu> proc = GpuDevices.fromProc(dir);
        assertEquals(2, proc.size());
        assertEquals("NVIDIA A100-SXM4-80GB 0000:41:00.0", proc.get(0).name(), "ordered by bus id");
        assertEquals(List.of(), GpuDevices.fromProc(dir.resolve("absent")));

        assertEquals(List.of(), GpuDevices.fromOverride("none"));
        assertEquals(List.of(0, 2), GpuDevices.fromOverride("0, 2").stream().map(Gpu::index).toList());
        assertThrows(IllegalArgumentException.class, () -> GpuDevices.fromOverride("0,0"));
        assertThrows(IllegalArgumentException.class, () -> GpuDevices.fromOverride("gpu0"));
        assertEquals("CELL_GPUS=1", GpuDevices.discover(java.util.Map.of(GpuDevices.ENV, "1")).source());

        final java.util.Map<Integer, GpuDevices.Usage> usage = GpuDevices.parseUsage("0, 12800, 143771, 37\n" +
            "1, [N/A], 143771, [N/A]\n");
        assertEquals(java.util.Set.of(0), usage.keySet());
        assertEquals("12.5 of 140 GiB used, 37 % busy", usage.get(0).describe());
    }
}
