// KysoPdfBox is kyso's interoperability peer built on Apache PDFBox 2.0 and BouncyCastle
// (Debian: libpdfbox2-java, libbcprov-java, libbcpkix-java, libbcutil-java). It is compiled
// and run by interop/pdfbox_test.go; it is not part of kyso.
//
//   java KysoPdfBox sign IN OUT P12 [adbe.pkcs7.detached|ETSI.CAdES.detached]
//       signs IN as an incremental update, like PDFBox's CreateSignature example: an
//       external signature (CMSSignedDataGenerator, detached content, SHA-256) made with the
//       key and chain of the PKCS#12 file P12 (empty password). ETSI.CAdES.detached adds the
//       ESS signing-certificate-v2 attribute and leaves out signing-time, as PAdES requires.
//
//   java KysoPdfBox verify FILE
//       for every signature and document time-stamp: checks that /ByteRange starts at 0,
//       leaves out exactly the /Contents hex string, ends inside the file at the end of a
//       revision (%%EOF), and that the CMS signature (or the RFC 3161 token) verifies over
//       the bytes it covers with BouncyCastle, including an embedded signature time-stamp.
//       Prints one line per signature, "VALID ..." or "INVALID reason", and exits 0 only
//       when there is at least one signature and all are valid (1 otherwise, 2 on a usage
//       or read error).
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Security;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Calendar;
import java.util.Collection;
import java.util.Enumeration;
import java.util.Hashtable;

import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSString;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.PDSignature;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.SignatureInterface;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.SignatureOptions;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.AttributeTable;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.ess.ESSCertIDv2;
import org.bouncycastle.asn1.ess.SigningCertificateV2;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSAttributeTableGenerator;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.DefaultSignedAttributeTableGenerator;
import org.bouncycastle.cms.SignerId;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.SignerInformationVerifier;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.tsp.TimeStampToken;
import org.bouncycastle.util.Selector;
import org.bouncycastle.util.Store;

public final class KysoPdfBox {
    public static void main(String[] args) {
        Security.addProvider(new BouncyCastleProvider());
        try {
            if (args.length >= 4 && args[0].equals("sign") && args.length <= 5) {
                sign(new File(args[1]), new File(args[2]), new File(args[3]),
                        args.length == 5 ? args[4] : "adbe.pkcs7.detached");
                System.exit(0);
            } else if (args.length == 2 && args[0].equals("verify")) {
                System.exit(verify(new File(args[1])) ? 0 : 1);
            }
            System.err.println("usage: KysoPdfBox sign IN OUT P12 [SUBFILTER] | verify FILE");
            System.exit(2);
        } catch (Exception e) {
            System.err.println("KysoPdfBox: " + e);
            System.exit(2);
        }
    }

    // ---- sign ---------------------------------------------------------------------------

    static void sign(File in, File out, File p12, String subFilter) throws Exception {
        if (!subFilter.equals("adbe.pkcs7.detached") && !subFilter.equals("ETSI.CAdES.detached")) {
            throw new IllegalArgumentException("unsupported sub-filter " + subFilter);
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream s = new FileInputStream(p12)) {
            ks.load(s, new char[0]);
        }
        String alias = null;
        for (Enumeration<String> e = ks.aliases(); e.hasMoreElements();) {
            String a = e.nextElement();
            if (ks.isKeyEntry(a)) {
                alias = a;
                break;
            }
        }
        if (alias == null) {
            throw new IOException(p12 + ": no key entry");
        }
        PrivateKey key = (PrivateKey) ks.getKey(alias, new char[0]);
        Certificate[] chain = ks.getCertificateChain(alias);
        X509Certificate cert = (X509Certificate) chain[0];
        boolean cades = subFilter.equals("ETSI.CAdES.detached");

        SignatureInterface signer = content -> {
            try {
                byte[] data = content.readAllBytes();
                String alg = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
                ContentSigner cs = new JcaContentSignerBuilder(alg).setProvider("BC").build(key);
                JcaSignerInfoGeneratorBuilder sib = new JcaSignerInfoGeneratorBuilder(
                        new JcaDigestCalculatorProviderBuilder().setProvider("BC").build());
                if (cades) {
                    byte[] certHash = MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
                    ESSCertIDv2 id = new ESSCertIDv2(new AlgorithmIdentifier(NISTObjectIdentifiers.id_sha256), certHash);
                    Attribute a = new Attribute(PKCSObjectIdentifiers.id_aa_signingCertificateV2,
                            new DERSet(new SigningCertificateV2(new ESSCertIDv2[] {id})));
                    Hashtable<ASN1ObjectIdentifier, Attribute> h = new Hashtable<>();
                    h.put(a.getAttrType(), a);
                    CMSAttributeTableGenerator base = new DefaultSignedAttributeTableGenerator(new AttributeTable(h));
                    // PAdES forbids the CMS signing-time attribute (the time is /M).
                    sib.setSignedAttributeGenerator(params -> base.getAttributes(params).remove(CMSAttributes.signingTime));
                }
                CMSSignedDataGenerator gen = new CMSSignedDataGenerator();
                gen.addSignerInfoGenerator(sib.build(cs, cert));
                gen.addCertificates(new JcaCertStore(Arrays.asList(chain)));
                return gen.generate(new CMSProcessableByteArray(data), false).getEncoded();
            } catch (Exception e) {
                throw new IOException(e);
            }
        };

        try (PDDocument doc = PDDocument.load(in); OutputStream o = new FileOutputStream(out)) {
            PDSignature sig = new PDSignature();
            sig.setFilter(PDSignature.FILTER_ADOBE_PPKLITE);
            sig.setSubFilter(COSName.getPDFName(subFilter));
            sig.setName(cert.getSubjectX500Principal().getName());
            sig.setLocation("PDFBox");
            sig.setReason("interoperability test");
            sig.setSignDate(Calendar.getInstance());
            SignatureOptions opts = new SignatureOptions();
            opts.setPreferredSignatureSize(32768);
            doc.addSignature(sig, signer, opts);
            doc.saveIncremental(o);
            opts.close();
        }
    }

    // ---- verify -------------------------------------------------------------------------

    static boolean verify(File file) throws Exception {
        byte[] all = Files.readAllBytes(file.toPath());
        boolean ok = true;
        int n = 0;
        try (PDDocument doc = PDDocument.load(file)) {
            for (PDSignature sig : doc.getSignatureDictionaries()) {
                n++;
                String name = sig.getCOSObject().getNameAsString(COSName.SUB_FILTER);
                String label = "#" + n + " " + name;
                try {
                    String detail = verifyOne(sig, all);
                    System.out.println("VALID " + label + " " + detail);
                } catch (Exception e) {
                    ok = false;
                    System.out.println("INVALID " + label + ": " + e.getMessage());
                }
            }
        }
        if (n == 0) {
            System.out.println("INVALID no signature");
            return false;
        }
        return ok;
    }

    static String verifyOne(PDSignature sig, byte[] all) throws Exception {
        int[] br = sig.getByteRange();
        if (br == null || br.length != 4) {
            throw new Exception("ByteRange is not 4 integers");
        }
        long end = (long) br[2] + br[3];
        if (br[0] != 0 || br[1] <= 0 || br[2] <= br[1] || br[3] < 0 || end > all.length) {
            throw new Exception("ByteRange " + Arrays.toString(br) + " out of bounds (file size " + all.length + ")");
        }
        // The gap must be exactly the /Contents hex string: "<" hex digits ">".
        if (all[br[1]] != '<' || all[br[2] - 1] != '>') {
            throw new Exception("ByteRange gap is not the /Contents hex string");
        }
        for (int i = br[1] + 1; i < br[2] - 1; i++) {
            if (Character.digit(all[i], 16) < 0) {
                throw new Exception("non-hex byte in the ByteRange gap at offset " + i);
            }
        }
        // What the parser read as /Contents must be what lies in the gap.
        byte[] gap = sig.getContents(all);
        COSString parsed = (COSString) sig.getCOSObject().getDictionaryObject(COSName.CONTENTS);
        if (parsed == null || !Arrays.equals(parsed.getBytes(), gap)) {
            throw new Exception("/Contents differs from the bytes the ByteRange leaves out");
        }
        // The covered bytes must end at the end of a revision (%%EOF, optional EOL).
        if (!endsRevision(all, (int) end)) {
            throw new Exception("ByteRange ends at " + end + ", not at the end of a revision");
        }
        String coverage = end == all.length ? "covers the whole file" : "covers revision ending at " + end + " of " + all.length;
        byte[] signed = sig.getSignedContent(all);

        String sub = sig.getCOSObject().getNameAsString(COSName.SUB_FILTER);
        if ("ETSI.RFC3161".equals(sub)) {
            TimeStampToken tst = new TimeStampToken(new CMSSignedData(gap));
            X509CertificateHolder tsa = signerCert(tst.getCertificates(), tst.getSID());
            tst.validate(verifier(tsa));
            checkImprint(tst, signed, "document time-stamp");
            return coverage + "; document time-stamp " + tst.getTimeStampInfo().getGenTime().toInstant()
                    + " by " + tsa.getSubject();
        }
        if (!"adbe.pkcs7.detached".equals(sub) && !"ETSI.CAdES.detached".equals(sub)) {
            throw new Exception("unsupported sub-filter " + sub);
        }
        CMSSignedData cms = new CMSSignedData(new CMSProcessableByteArray(signed), gap);
        Collection<SignerInformation> signers = cms.getSignerInfos().getSigners();
        if (signers.size() != 1) {
            throw new Exception(signers.size() + " signer infos, want 1");
        }
        SignerInformation si = signers.iterator().next();
        X509CertificateHolder cert = signerCert(cms.getCertificates(), si.getSID());
        if (!si.verify(verifier(cert))) {
            throw new Exception("CMS signature does not verify");
        }
        String detail = coverage + "; signed by " + cert.getSubject();
        AttributeTable unsigned = si.getUnsignedAttributes();
        Attribute ts = unsigned == null ? null : unsigned.get(PKCSObjectIdentifiers.id_aa_signatureTimeStampToken);
        if (ts != null) {
            ASN1Encodable v = ts.getAttrValues().getObjectAt(0);
            TimeStampToken tst = new TimeStampToken(new CMSSignedData(v.toASN1Primitive().getEncoded("DER")));
            X509CertificateHolder tsa = signerCert(tst.getCertificates(), tst.getSID());
            tst.validate(verifier(tsa));
            checkImprint(tst, si.getSignature(), "signature time-stamp");
            detail += "; signature time-stamp " + tst.getTimeStampInfo().getGenTime().toInstant();
        }
        return detail;
    }

    static SignerInformationVerifier verifier(X509CertificateHolder c) throws Exception {
        return new JcaSimpleSignerInfoVerifierBuilder().setProvider("BC").build(c);
    }

    @SuppressWarnings("unchecked")
    static X509CertificateHolder signerCert(Store<X509CertificateHolder> store, SignerId sid) throws Exception {
        Collection<X509CertificateHolder> m = store.getMatches((Selector<X509CertificateHolder>) (Selector<?>) sid);
        if (m.isEmpty()) {
            throw new Exception("signing certificate not embedded");
        }
        return m.iterator().next();
    }

    static void checkImprint(TimeStampToken tst, byte[] data, String what) throws Exception {
        ASN1ObjectIdentifier alg = tst.getTimeStampInfo().getMessageImprintAlgOID();
        String name;
        if (alg.equals(NISTObjectIdentifiers.id_sha256)) {
            name = "SHA-256";
        } else if (alg.equals(NISTObjectIdentifiers.id_sha384)) {
            name = "SHA-384";
        } else if (alg.equals(NISTObjectIdentifiers.id_sha512)) {
            name = "SHA-512";
        } else {
            throw new Exception(what + ": unsupported imprint algorithm " + alg);
        }
        byte[] want = MessageDigest.getInstance(name).digest(data);
        if (!Arrays.equals(want, tst.getTimeStampInfo().getMessageImprintDigest())) {
            throw new Exception(what + ": message imprint does not match");
        }
    }

    static boolean endsRevision(byte[] all, int end) {
        int i = end;
        while (i > 0 && (all[i - 1] == '\n' || all[i - 1] == '\r')) {
            i--;
        }
        if (end - i > 2) {
            return false;
        }
        byte[] eof = "%%EOF".getBytes();
        if (i < eof.length) {
            return false;
        }
        return Arrays.equals(Arrays.copyOfRange(all, i - eof.length, i), eof);
    }
}
