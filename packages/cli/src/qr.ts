import qrcode from 'qrcode-terminal'

/** A QR code drawn with half-block characters, for a phone camera pointed at the terminal. */
export async function qrText (text: string): Promise<string> {
  return await new Promise((resolve) => {
    qrcode.generate(text, { small: true }, (q: string) => {
      resolve(q)
    })
  })
}
