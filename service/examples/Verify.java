// kyso service from Java 17 (java.net.http, no dependencies).
// Run: KYSO_URL=http://127.0.0.1:8080 java Verify.java FILE.pdf
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

public class Verify {
    public static void main(String[] args) throws Exception {
        String url = System.getenv().getOrDefault("KYSO_URL", "http://127.0.0.1:8080");
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpRequest req = HttpRequest.newBuilder(URI.create(url + "/v1/verify?revocation=soft-fail"))
            .timeout(Duration.ofMinutes(2))
            .header("Content-Type", "application/pdf")
            .POST(HttpRequest.BodyPublishers.ofFile(Path.of(args[0])))
            .build();
        HttpResponse<String> res = client.send(req, HttpResponse.BodyHandlers.ofString());
        if (res.statusCode() != 200) {
            // {"error":{"code":"...","message":"..."}}
            System.err.println("error " + res.statusCode() + ": " + res.body());
            System.exit(2);
        }
        // A real client parses the JSON (Jackson, Gson); the verdict is the "valid" field.
        boolean valid = res.body().contains("\"valid\":true");
        System.out.println((valid ? "VALID " : "NOT VALID ") + res.body().length() + " bytes of report");
        System.exit(valid ? 0 : 1);
    }
}
