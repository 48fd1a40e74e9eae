// Drives the official DCC Boxed signing tool (uk.co.smartdcc.boxed.xmldsig) in one JVM for many
// messages, so the interoperability tests do not pay a JVM start per message.
// Protocol on stdin, one job a line: MODE<TAB>input<TAB>output[<TAB>extra arg...]
// Answer on stdout, one line a job: RESULTCODE<TAB>what the tool logged (newlines folded).
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;

public final class DuisToolBatch {
    public static void main(String[] argv) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream realOut = System.out;
        PrintStream realErr = System.err;
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isEmpty()) continue;
            String[] f = line.split("\t");
            String[] args = new String[f.length - 2];
            args[0] = f[1];
            for (int i = 3; i < f.length; i++) args[i - 2] = f[i];
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            String rc;
            try {
                System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
                System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
                Object r = f[0].equals("Sign")
                    ? uk.co.smartdcc.boxed.xmldsig.Sign.main_aux(args)
                    : uk.co.smartdcc.boxed.xmldsig.Validate.main_aux(args);
                rc = String.valueOf(r);
            } catch (Throwable t) {
                rc = "EXCEPTION";
                t.printStackTrace(System.err);
            } finally {
                System.out.flush();
                System.err.flush();
                System.setOut(realOut);
                System.setErr(realErr);
            }
            Files.write(Paths.get(f[2]), out.toByteArray());
            realOut.println(rc + "\t" + err.toString(StandardCharsets.UTF_8).replace("\r", "").replace("\n", " | ").replace("\t", " "));
            realOut.flush();
        }
    }
}
