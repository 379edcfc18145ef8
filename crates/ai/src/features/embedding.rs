//! Embeddings through `POST /embeddings`, for similar-ticket search.

use async_openai::types::embeddings::{
    CreateEmbeddingRequest, CreateEmbeddingResponse, EmbeddingInput, EncodingFormat,
};

use crate::client::Enabled;
use crate::error::AiError;
use crate::usage::{Feature, Metered, Usage};
use crate::validate::malformed;

pub(crate) const PATH: &str = "/embeddings";

pub(crate) async fn run(
    client: &Enabled,
    model: String,
    texts: Vec<String>,
) -> Result<Metered<Vec<Vec<f32>>>, AiError> {
    let count = texts.len();
    let request = CreateEmbeddingRequest {
        model: model.clone(),
        input: EmbeddingInput::StringArray(texts),
        encoding_format: Some(EncodingFormat::Float),
        user: None,
        dimensions: None,
    };
    let response: CreateEmbeddingResponse = client.transport.post(PATH, &request).await?;
    // One vector per input, in input order (the answer carries indexes, not an order).
    let mut vectors: Vec<Option<Vec<f32>>> = vec![None; count];
    for item in response.data {
        let slot = vectors
            .get_mut(item.index as usize)
            .ok_or_else(|| malformed("an embedding's index is out of range"))?;
        *slot = Some(item.embedding);
    }
    let vectors: Vec<Vec<f32>> = vectors
        .into_iter()
        .collect::<Option<_>>()
        .ok_or_else(|| malformed("the answer lacks an embedding for some inputs"))?;
    let width = vectors.first().map_or(0, Vec::len);
    if width == 0
        || vectors
            .iter()
            .any(|v| v.len() != width || v.iter().any(|x| !x.is_finite()))
    {
        return Err(malformed("the embeddings are empty, uneven or not finite"));
    }
    let usage = Usage {
        feature: Feature::Embedding,
        model,
        prompt_tokens: response.usage.prompt_tokens,
        completion_tokens: 0,
    };
    Ok(Metered {
        value: vectors,
        usage,
    })
}
