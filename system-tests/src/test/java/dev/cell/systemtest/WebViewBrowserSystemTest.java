package dev.cell.systemtest;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static dev.cell.systemtest.SystemTestSupport.cell;
import static dev.cell.systemtest.SystemTestSupport.mustSucceed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code cell ui} in a real browser: the OS's headless Chromium driven through its chromedriver by Selenium (both
 * named by path, so Selenium Manager never looks for, let alone downloads, a browser or driver). The test boots
 * {@code examples/shop} detached under its own cell home, starts {@code cell ui} for it, finds every cell of the
 * tissue on the page (in its place in the tree), kills one ledger instance with SIGKILL and watches the same page
 * (never reloaded) show the exit, the slot restarting and a new instance serving; screenshots go to
 * {@code target/web-view/}.
 * <p>
 * Without {@code /usr/bin/chromium} or {@code /usr/bin/chromedriver} (or {@code -Dcell.chromium} /
 * {@code -Dcell.chromedriver}) it is skipped with the reason printed, unless {@code CELL_REQUIRE_BROWSER=1}
 * (CI), where it fails.
 */
@Timeout(900)
class WebViewBrowserSystemTest
{
    private static final Path SHOP = Path.of("../examples/shop").toAbsolutePath().normalize();
    private static final Path CHROMIUM = Path.of(System.getProperty("cell.chromium", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Path.of(System.getProperty("cell.chromedriver", "/usr/bin/chromedriver"));
    private static final Path SCREENSHOTS = Path.of("target", "web-view").toAbsolutePath();
    private static final List<String> CELLS = List.of("catalog", "ledger", "orders", "storefront");
    private static final Pattern URL = Pattern.compile("cell ui: (http://127\\.0\\.0\\.1:\\d+/)");
    private static final Pattern PID = Pattern.compile("\"pid\"\\s*:\\s*(\\d+)");
    private static final long WAIT_SECONDS = 90;
    private static final String BUY = "{\"customer\":\"ada\",\"sku\":\"apple\",\"quantity\":2}";

    private Path cellHome;
    private Process ui;
    private ChromeDriverService service;
    private ChromeDriver browser;

    @BeforeEach
    void browserPresentOrSkip()
    {
        final List<String> missing = new ArrayList<>();
        for (final Path p : List.of(CHROMIUM, CHROMEDRIVER))
        {
            if (!Files.isExecutable(p))
            {
                missing.add(p.toString());
            }
        }
        if (missing.isEmpty())
        {
            return;
        }
        final String reason = "the web view's browser test needs " + String.join(" and ", missing) +
            " (Debian: apt-get install chromium chromium-driver)";
        if ("1".equals(System.getenv("CELL_REQUIRE_BROWSER")))
        {
            fail(reason + "; CELL_REQUIRE_BROWSER=1 makes its absence a failure");
        }
        System.out.println("skipped: " + reason);
        assumeTrue(false, reason);
    }

    @AfterEach
    void killEverything() throws Exception
    {
        // Every process this test started: the browser (and what chromedriver started), cell ui, the tissue.
        final List<ProcessHandle> browserProcesses = ProcessHandle.current().descendants()
            .filter(h -> h.info().command().map(c -> c.contains("chrom")).orElse(false))
            .toList();
        try
        {
            if (browser != null)
            {
                browser.quit();
            }
        }
        catch (final WebDriverException ex)
        {
            System.out.println("browser.quit failed (its processes are killed below): " + ex.getMessage());
        }
        if (service != null)
        {
            service.stop();
        }
        for (final ProcessHandle h : browserProcesses)
        {
            h.destroyForcibly();
            h.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(ex -> h).join();
        }
        if (ui != null)
        {
            ui.destroyForcibly();
            ui.waitFor(10, TimeUnit.SECONDS);
        }
        if (cellHome != null)
        {
            SystemTestSupport.killInstances(cellHome);
        }
    }

    @Test
    void thePageShowsEveryCellAndAKilledInstanceRestartingWithoutAReload() throws Exception
    {
        final Path root = SystemTestSupport.newDir("web-view");
        cellHome = root.resolve("cell-home");
        final Path shop = copy(SHOP, root.resolve("shop"));
        mustSucceed(cell(root, cellHome, 600, "mitosis", shop.toString(), "--detach", "--offline"),
            "cell mitosis shop");

        final long t0 = System.nanoTime();
        final String url = startUi(root, shop);
        browser = startBrowser(root);
        browser.get(url);

        // Every cell of the tissue, in its place in the tree, with its two instances serving.
        await("every cell of shop on the page, each with 2 instances serving", () ->
        {
            for (final String name : CELLS)
            {
                final WebElement cell = browser.findElement(By.cssSelector("article.cell[data-cell='" + name + "']"));
                final List<WebElement> rows = cell.findElements(By.cssSelector("tr.instance"));
                if (!"serving".equals(cell.getDomAttribute("data-state")) || rows.size() != 2 ||
                    !rows.stream().allMatch(r -> "serving".equals(r.getDomAttribute("data-state"))))
                {
                    return false;
                }
            }
            return true;
        });
        assertEquals("shop/", browser.findElement(By.cssSelector("#tree > .node > .folder")).getText());
        assertEquals(1, browser.findElements(By.cssSelector("div.node[data-node='storefront'] " +
            "div.node[data-node='orders'] article.cell[data-cell='ledger']")).size(), "ledger under orders");
        assertEquals(1, browser.findElements(By.cssSelector("div.node[data-node='storefront'] " +
            "article.cell[data-cell='catalog']")).size(), "catalog under storefront");
        assertEquals("shop", browser.findElement(By.id("tissue")).getText());

        // A call through the tissue shows up live: calls/s and p50/p99 on the storefront instance that served it.
        final String bought = mustSucceed(cell(root, cellHome, 60, "call", "storefront", "buy", BUY), "buy").output();
        final Matcher servedBy = Pattern.compile("\"servedBy\":\"(storefront-\\d+)\"").matcher(bought);
        assertTrue(servedBy.find(), bought);
        await("the storefront instance that served the call showing calls/s and p50/p99", () ->
        {
            for (final WebElement r : browser.findElements(By.cssSelector("tr.instance[data-cell='storefront']")))
            {
                final List<WebElement> td = r.findElements(By.tagName("td"));
                final String latency = "[0-9.]+ (ns|µs|ms)";
                if (td.getFirst().getText().equals(servedBy.group(1)) && !td.get(4).getText().equals("0.0") &&
                    td.get(6).getText().matches(latency) && td.get(7).getText().matches(latency))
                {
                    return true;
                }
            }
            return false;
        });
        final Object loadedAt = script("return performance.timeOrigin");
        final long updatesBefore = updates();
        screenshot("shop-serving.png");

        // kill -9 one ledger instance, its pid from the instance registry, as shown on the page.
        final long victim = registeredPid("ledger");
        final WebElement victimRow = browser.findElement(By.cssSelector("tr.instance[data-pid='" + victim + "']"));
        assertEquals("ledger", victimRow.getDomAttribute("data-cell"));
        final String key = victimRow.getDomAttribute("data-key");
        final long restartsBefore = Long.parseLong(victimRow.getDomAttribute("data-restarts"));
        final long killedAt = System.nanoTime();
        assertTrue(ProcessHandle.of(victim).orElseThrow().destroyForcibly(), "SIGKILL sent to " + victim);

        final Set<String> seen = new LinkedHashSet<>();
        final String rowSelector = "tr.instance[data-key='" + key + "']";
        await("the ledger slot shown serving again with a new pid and one more restart", () ->
        {
            final WebElement row = browser.findElement(By.cssSelector(rowSelector));
            final String state = row.getDomAttribute("data-state");
            if (seen.add(state) && "restarting".equals(state))
            {
                screenshot("shop-restarting.png");
            }
            return "serving".equals(state) && !String.valueOf(victim).equals(row.getDomAttribute("data-pid")) &&
                Long.parseLong(row.getDomAttribute("data-restarts")) == restartsBefore + 1;
        });
        final double recoveredOnPageMs = (System.nanoTime() - killedAt) / 1e6;
        final WebElement row = browser.findElement(By.cssSelector(rowSelector));
        assertTrue(row.getText().contains("was killed (SIGKILL, exit code 137)"), row.getText());
        assertNotEquals(String.valueOf(victim), row.getDomAttribute("data-pid"));

        final String exits = texts("li.event[data-kind='exit'][data-cell='ledger']");
        assertTrue(exits.contains("ledger-" + victim + " was killed (SIGKILL, exit code 137); restart " +
            (restartsBefore + 1)), exits);
        // The event list is its own part of the page's update; the slot may pass through "starting" between samples.
        await("the events to show the slot restarting and serving again", () ->
        {
            final String states = texts("li.event[data-kind='state'][data-cell='ledger']");
            return states.contains("serving → restarting") &&
                (states.contains("restarting → serving") || states.contains("starting → serving"));
        });
        assertEquals("serving", browser.findElement(By.cssSelector("article.cell[data-cell='ledger']"))
            .getDomAttribute("data-state"));

        assertEquals(loadedAt, script("return performance.timeOrigin"), "the same page load throughout: no reload");
        assertTrue(updates() > updatesBefore, "the page kept updating itself");
        assertEquals("live", browser.findElement(By.id("connection")).getDomAttribute("data-connection"));
        screenshot("shop-after-restart.png");
        System.out.printf("web view: ledger pid %d killed; the page showed states %s and the slot serving again " +
            "after %.0f ms, without a reload; cell ui start to end of test %.1f s (shop boot not included); " +
            "screenshots in %s%n", victim, seen, recoveredOnPageMs, (System.nanoTime() - t0) / 1e9, SCREENSHOTS);
    }

    private String startUi(final Path root, final Path shop) throws Exception
    {
        final Path out = root.resolve("cell-ui.out");
        final List<String> cmd = new ArrayList<>(List.of(SystemTestSupport.java().toString()));
        cmd.addAll(SystemTestSupport.JVM_FLAGS);
        cmd.addAll(List.of("-jar", SystemTestSupport.CLI_JAR.toAbsolutePath().toString(), "ui", shop.toString(),
            "--port", "0", "--interval", "200ms"));
        final ProcessBuilder builder = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true)
            .redirectOutput(out.toFile());
        builder.environment().put("CELL_HOME", cellHome.toString());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        ui = builder.start();
        final String[] url = new String[1];
        await("cell ui to print its address", () ->
        {
            final String printed = Files.readString(out, StandardCharsets.UTF_8);
            final Matcher m = URL.matcher(printed);
            if (m.find())
            {
                url[0] = m.group(1);
                return true;
            }
            if (!ui.isAlive())
            {
                fail("cell ui exited with " + ui.exitValue() + ":\n" + printed);
            }
            return false;
        });
        return url[0];
    }

    private ChromeDriver startBrowser(final Path root) throws IOException
    {
        service = new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .withLogFile(root.resolve("chromedriver.log").toFile())
            .build();
        final ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
            "--window-size=1280,1500", "--user-data-dir=" + Files.createDirectories(root.resolve("chromium")),
            "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
            "--disable-background-networking", "--disable-component-update", "--disable-default-apps",
            // Names resolve to nothing but the loopback address: the browser reaches no other host.
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1");
        return new ChromeDriver(service, options);
    }

    private long updates()
    {
        return Long.parseLong(browser.findElement(By.tagName("body")).getDomAttribute("data-updates"));
    }

    private Object script(final String js)
    {
        return ((JavascriptExecutor)browser).executeScript(js);
    }

    private String texts(final String selector)
    {
        final StringBuilder sb = new StringBuilder();
        for (final WebElement e : browser.findElements(By.cssSelector(selector)))
        {
            sb.append(e.getText()).append('\n');
        }
        return sb.toString();
    }

    private void screenshot(final String name) throws IOException
    {
        final byte[] png = ((TakesScreenshot)browser).getScreenshotAs(OutputType.BYTES);
        assertArrayEquals(new byte[]{(byte)0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(png, 4), "a PNG");
        Files.createDirectories(SCREENSHOTS);
        Files.write(SCREENSHOTS.resolve(name), png);
    }

    private long registeredPid(final String cell) throws IOException
    {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(cellHome.resolve("instances").resolve(cell),
            "*.json"))
        {
            for (final Path f : files)
            {
                final Matcher m = PID.matcher(Files.readString(f));
                if (m.find())
                {
                    return Long.parseLong(m.group(1));
                }
            }
        }
        fail("no " + cell + " instance registered under " + cellHome);
        return -1;
    }

    private interface Check
    {
        boolean met() throws Exception;
    }

    private static void await(final String what, final Check check) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        Exception last = null;
        while (System.nanoTime() < deadline)
        {
            try
            {
                if (check.met())
                {
                    return;
                }
                last = null;
            }
            catch (final WebDriverException ex)
            {
                last = ex; // not on the page yet, or replaced while we looked: look again
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        fail("waited " + WAIT_SECONDS + " s for " + what + (last == null ? "" : "; last: " + last.getMessage()));
    }

    private static Path copy(final Path from, final Path to) throws IOException
    {
        try (Stream<Path> files = Files.walk(from))
        {
            for (final Path p : files.toList())
            {
                final String rel = from.relativize(p).toString();
                if (rel.contains("target") || rel.contains(".cell"))
                {
                    continue;
                }
                if (Files.isDirectory(p))
                {
                    Files.createDirectories(to.resolve(rel));
                }
                else
                {
                    Files.copy(p, to.resolve(rel));
                }
            }
        }
        return to;
    }
}
