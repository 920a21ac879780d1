package io.kmqtt.it;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Debian's headless chromium driven through its own chromedriver (never a downloaded browser or
 * driver), with a fresh profile. Every wait is bounded.
 */
final class Browser implements AutoCloseable {

    static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM_BINARY", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getenv().getOrDefault("CHROMEDRIVER", "/usr/bin/chromedriver"));
    static final Duration WAIT = Duration.ofSeconds(15);
    static final Path SCREENSHOTS = Cluster.ROOT.resolve("integration-tests/target/dashboard-screenshots");

    private final ChromeDriver driver;
    private final Path profile;

    private Browser(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    /**
     * Starts chromium. Without it the test is skipped, except in CI (CI=true), where .ci/run
     * installs it and its absence is a failure.
     */
    static Browser start() throws IOException {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present && System.getenv("CI") == null) {
            assumeTrue(false, "no " + CHROMIUM + " or " + CHROMEDRIVER + ": apt-get install chromium chromium-driver");
        }
        Path profile = Files.createTempDirectory("kmqtt-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // Without the background-networking flags chromium's own connections are refused by a closed network and slow it.
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1440,1000", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(WAIT).scriptTimeout(WAIT);
        return new Browser(driver, profile);
    }

    void open(String url) {
        driver.get(url);
    }

    WebElement await(String css) {
        return new WebDriverWait(driver, WAIT).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(css)));
    }

    void awaitGone(String css) {
        new WebDriverWait(driver, WAIT).until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector(css)));
    }

    /** Waits until the element's text contains the text; returns the element. */
    WebElement awaitText(String css, String text) {
        WebDriverWait wait = new WebDriverWait(driver, WAIT);
        wait.withMessage(() -> "'" + css + "' to contain '" + text + "'; it reads: " + texts(css));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(css), text));
        return driver.findElement(By.cssSelector(css));
    }

    /** Waits, with the given bound, until the condition holds. */
    void awaitTrue(Duration atMost, String what, Supplier<Boolean> condition) {
        new WebDriverWait(driver, atMost).withMessage(what).until(d -> condition.get());
    }

    /**
     * Waits until the admin API at {@code base} lists the client with the given subscriptions. A
     * gateway writes a client's entry up to {@code mqtt.presence-write-delay} after its CONNACK or
     * SUBACK, and a page shows what the API had when it loaded, so open the page after this.
     */
    void awaitListed(String base, String password, String clientId, String... filters) {
        awaitTrue(Duration.ofSeconds(10), clientId + " listed by the admin API at " + base + " with " + List.of(filters), () -> {
            var api = given().baseUri(base).auth().preemptive().basic("admin", password);
            if (api.get("/api/v1/clients/" + clientId).statusCode() != 200) {
                return false;
            }
            String subscriptions = api.get("/api/v1/clients/" + clientId + "/subscriptions").asString();
            return List.of(filters).stream().allMatch(subscriptions::contains);
        });
    }

    private String texts(String css) {
        return driver.findElements(By.cssSelector(css)).stream().map(WebElement::getText).toList().toString();
    }

    void click(String css) {
        new WebDriverWait(driver, WAIT).until(ExpectedConditions.elementToBeClickable(By.cssSelector(css))).click();
    }

    /** Clears the field and types into it. */
    void type(String css, String text) {
        WebElement field = await(css);
        field.clear();
        field.sendKeys(text);
    }

    void select(String css, String visibleText) {
        new org.openqa.selenium.support.ui.Select(await(css)).selectByVisibleText(visibleText);
    }

    List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    Object script(String js, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(js, args);
    }

    /** Runs an async script whose last argument is its callback. */
    Object asyncScript(String js, Object... args) {
        return ((JavascriptExecutor) driver).executeAsyncScript(js, args);
    }

    /** Signs in with the dashboard's form at base (http://host:port) and waits for the frame. */
    void signIn(String base, String user, String password) {
        open(base + "/dashboard/");
        type("input[name=username]", user);
        type("input[name=password]", password);
        click("form.signin-card button[type=submit]");
        awaitText("#whoami", user);
    }

    /** Goes to a route of the dashboard (#/clients...) without reloading the page. */
    void route(String hash) {
        script("location.hash = arguments[0]", hash);
    }

    void screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
            Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (Exception e) {
            System.err.println("no screenshot of " + name + ": " + e);
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temporary profile left behind is harmless
            }
        }
    }

    /** Saves a screenshot, named after the test, of a test that failed. */
    static final class ScreenshotOnFailure implements TestWatcher {
        private final Supplier<Browser> browser;

        ScreenshotOnFailure(Supplier<Browser> browser) {
            this.browser = browser;
        }

        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            Browser b = browser.get();
            if (b != null) {
                b.screenshot(context.getRequiredTestClass().getSimpleName() + "-" + context.getRequiredTestMethod().getName());
            }
        }
    }
}
