// Signs a PDF with @signpdf (npm), as kyso's interop tests need.
// usage: node signpdf_sign.js IN OUT KEY.p12 P12-PASSFILE
// @signpdf adds a placeholder by incremental update (placeholder-plain) and fills it.
const fs = require('fs');
const signpdf = require('@signpdf/signpdf').default;
const { P12Signer } = require('@signpdf/signer-p12');
const { plainAddPlaceholder } = require('@signpdf/placeholder-plain');

const [inp, out, p12, passfile] = process.argv.slice(2);
const passphrase = fs.readFileSync(passfile, 'utf8').trim();
const withPlaceholder = plainAddPlaceholder({
  pdfBuffer: fs.readFileSync(inp),
  reason: 'kyso interop',
  contactInfo: 'interop@kyso.test',
  name: 'kyso interop',
  location: 'Ha Noi',
});
const signer = new P12Signer(fs.readFileSync(p12), { passphrase });
signpdf.sign(withPlaceholder, signer).then(
  (signed) => fs.writeFileSync(out, signed),
  (e) => { console.error(e); process.exit(1); },
);
