import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * Loads a properties file exactly as Kafka and ZooKeeper do (Properties.load(InputStream), which
 * decodes ISO-8859-1) and prints each entry as "KEY VALUE", both as UTF-16 code units in hex, so
 * that any key or value, whatever it contains, reaches the Python test unambiguously.
 */
public final class PropertiesEcho {
    private PropertiesEcho() {
    }

    private static String hex(String text) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            out.append(String.format("%04x", (int) text.charAt(i)));
        }
        return out.toString();
    }

    public static void main(String[] args) throws IOException {
        Properties properties = new Properties();
        try (InputStream in = new FileInputStream(args[0])) {
            properties.load(in);
        }
        // An empty string would print as nothing; "-" keeps two fields on every line.
        for (String key : properties.stringPropertyNames()) {
            String value = properties.getProperty(key);
            System.out.println((key.isEmpty() ? "-" : hex(key)) + " " + (value.isEmpty() ? "-" : hex(value)));
        }
    }
}
