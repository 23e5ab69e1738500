package io.supportpilot.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real headless Chromium for browser tests: Debian's {@code chromium} and {@code chromium-driver} packages
 * (installed by {@code scripts/test.sh}), driven with Selenium. Fails loudly, never skips, when they are missing.
 * Screenshots go to {@code target/screenshots/}.
 */
public final class Browser implements AutoCloseable {

  /** Where screenshots are written. */
  public static final Path SCREENSHOTS = Path.of("target", "screenshots");

  private final ChromeDriver driver;
  private final ChromeDriverService service;

  private Browser(ChromeDriverService service, ChromeDriver driver) {
    this.service = service;
    this.driver = driver;
  }

  /** Starts headless Chromium with a fresh profile and a 1280 x 900 window. */
  public static Browser start() {
    File chromium = firstExisting(System.getenv("CHROMIUM_BIN"), "/usr/bin/chromium", "/usr/bin/chromium-browser");
    File driverBin = firstExisting(System.getenv("CHROMEDRIVER_BIN"), "/usr/bin/chromedriver",
        "/usr/lib/chromium/chromedriver");
    if (chromium == null || driverBin == null) {
      throw new AssertionError("the browser tests need Debian's chromium and chromium-driver packages: run "
          + "./scripts/test.sh (installs them) or apt-get install -y chromium chromium-driver");
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium);
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--window-size=1280,900", "--no-first-run", "--disable-extensions", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--lang=en-US");
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driverBin)
        .usingAnyFreePort().build();
    return new Browser(service, new ChromeDriver(service, options));
  }

  private static File firstExisting(String... paths) {
    for (String p : paths) {
      if (p != null && new File(p).canExecute()) {
        return new File(p);
      }
    }
    return null;
  }

  /** The Selenium driver. */
  public WebDriver driver() {
    return driver;
  }

  /** Opens a URL. */
  public void open(String url) {
    driver.get(url);
  }

  /** The element with this CSS selector (waits up to 10 s for it to be displayed). */
  public WebElement find(String css) {
    return waitFor(Duration.ofSeconds(10), d -> {
      WebElement e = d.findElement(By.cssSelector(css));
      return e.isDisplayed() ? e : null;
    });
  }

  /** Waits until the condition returns non-null / true. */
  public <T> T waitFor(Duration timeout, Function<WebDriver, T> condition) {
    // The page re-renders lists as data arrives: an element found a moment ago may be replaced.
    return new WebDriverWait(driver, timeout, Duration.ofMillis(20))
        .ignoring(StaleElementReferenceException.class)
        .ignoring(NoSuchElementException.class)
        .until(condition);
  }

  /** Clicks the first element matching the CSS selector once it is displayed (retries if it is re-rendered). */
  public void click(String css) {
    waitFor(Duration.ofSeconds(10), d -> {
      WebElement e = d.findElement(By.cssSelector(css));
      if (!e.isDisplayed()) {
        return false;
      }
      e.click();
      return true;
    });
  }

  /** Runs JavaScript in the page and returns its result. */
  public Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  /** Sets the window size (CSS pixels). */
  public void size(int width, int height) {
    driver.manage().window().setSize(new Dimension(width, height));
  }

  /** Saves a PNG of the viewport as target/screenshots/{name}.png and returns its path. */
  public Path screenshot(String name) {
    try {
      Files.createDirectories(SCREENSHOTS);
      Path out = SCREENSHOTS.resolve(name + ".png");
      Files.write(out, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      service.stop();
    }
  }
}
