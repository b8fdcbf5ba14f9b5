import java.io.*;
import java.nio.file.*;
import java.security.MessageDigest;
import org.apache.pdfbox.cos.*;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.PDSignature;

// Adds validation data the way PDFBox-based LTV tools (EU DSS's PAdES-LT) do: a /DSS with
// /Certs, /OCSPs, /CRLs streams and a /VRI entry keyed by the SHA-1 of the last signature's
// /Contents, written by an incremental save. argv = input output cert.der [tamper].
public class PdfboxDss {
    public static void main(String[] a) throws Exception {
        try (PDDocument doc = PDDocument.load(new File(a[0]))) {
            byte[] der = Files.readAllBytes(Paths.get(a[2]));
            COSDictionary catalog = doc.getDocumentCatalog().getCOSObject();
            COSDictionary dss = new COSDictionary();
            COSArray certs = new COSArray();
            COSStream cert = doc.getDocument().createCOSStream();
            try (OutputStream os = cert.createOutputStream(COSName.FLATE_DECODE)) {
                os.write(der);
            }
            certs.add(cert);
            dss.setItem(COSName.getPDFName("Certs"), certs);
            dss.setItem(COSName.getPDFName("OCSPs"), new COSArray());
            dss.setItem(COSName.getPDFName("CRLs"), new COSArray());
            PDSignature last = null;
            for (PDSignature s : doc.getSignatureDictionaries()) last = s;
            byte[] contents = last.getContents();
            byte[] sha1 = MessageDigest.getInstance("SHA-1").digest(contents);
            StringBuilder hex = new StringBuilder();
            for (byte b : sha1) hex.append(String.format("%02X", b));
            COSDictionary vri = new COSDictionary();
            COSDictionary entry = new COSDictionary();
            COSArray vcerts = new COSArray();
            vcerts.add(cert);
            entry.setItem(COSName.getPDFName("Cert"), vcerts);
            vri.setItem(COSName.getPDFName(hex.toString()), entry);
            dss.setItem(COSName.getPDFName("VRI"), vri);
            dss.setDirect(false);
            catalog.setItem(COSName.getPDFName("DSS"), dss);
            catalog.setNeedToBeUpdated(true);
            dss.setNeedToBeUpdated(true);
            vri.setNeedToBeUpdated(true);
            if (a.length > 3 && a[3].equals("tamper")) {
                // The attack twin: the same save also turns the first page.
                org.apache.pdfbox.pdmodel.PDPage page = doc.getPage(0);
                page.setRotation(90);
                page.getCOSObject().setNeedToBeUpdated(true);
                // PDFBox writes an updated object only on a path of updated objects.
                doc.getPages().getCOSObject().setNeedToBeUpdated(true);
            }
            try (FileOutputStream out = new FileOutputStream(a[1])) {
                doc.saveIncremental(out);
            }
        }
    }
}
