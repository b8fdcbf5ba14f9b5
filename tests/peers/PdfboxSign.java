import java.io.*;
import java.util.Calendar;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.*;

// Adds a signature field and a (dummy) signature to a PDF with PDFBox's incremental save,
// as PDFBox-based signers (EU DSS) do: argv = input output cert.der [tamper] (the
// certificate is not used: the CMS is a placeholder).
public class PdfboxSign {
    public static void main(String[] a) throws Exception {
        try (PDDocument doc = PDDocument.load(new File(a[0]))) {
            PDSignature s = new PDSignature();
            s.setFilter(PDSignature.FILTER_ADOBE_PPKLITE);
            s.setSubFilter(PDSignature.SUBFILTER_ETSI_CADES_DETACHED);
            s.setName("PDFBox");
            s.setSignDate(Calendar.getInstance());
            SignatureOptions o = new SignatureOptions();
            o.setPreferredSignatureSize(8192);
            SignatureInterface si = content -> {
                content.readAllBytes();
                return new byte[] {0x30, 0x03, 0x02, 0x01, 0x01};
            };
            if (a[a.length - 1].equals("tamper")) {
                // The attack twin: the same save also moves the page's visible area.
                org.apache.pdfbox.pdmodel.PDPage page = doc.getPage(0);
                page.setCropBox(new org.apache.pdfbox.pdmodel.common.PDRectangle(0, 0, 300, 300));
                page.getCOSObject().setNeedToBeUpdated(true);
            }
            doc.addSignature(s, si, o);
            try (FileOutputStream out = new FileOutputStream(a[1])) {
                doc.saveIncremental(out);
            }
        }
    }
}
