export async function* pages(client: Api) {
  let nextToken: string | undefined = undefined;
  do {
    const page = await client.list({ nextToken, limit: 100 });
    yield page.items;
    nextToken = page.nextToken;
  } while (nextToken);
}

const FIRST_PAGE_TOKEN = "bnVQndd5uyaLO3X3S4MPb+XsrAKtVdXWlUuckxcq667r";
export const sampleCursor = { continuationToken: "nbjuFEjw6qg7LxQLi9CfvMnIkZZDQlidQnkZVWAwTbDokQKPGmzGntwPIz0EU/2X" };
