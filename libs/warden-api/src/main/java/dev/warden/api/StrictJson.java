package dev.warden.api;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * Requests are read strictly: an unknown field, a float for an integer, a string for a number or a number for a
 * string is refused,
 * so a typo in a security setting is an error rather than a silently ignored field.
 */
@Singleton
public class StrictJson implements ObjectMapperCustomizer {

    /**
     * How deep a request's JSON may nest objects and arrays, the body itself counting one. Free-form fields (a
     * deployment's config, metadata) are stored and published as given; an event wraps them a few levels deeper, and
     * every consumer must be able to read it (Jackson refuses past 1,000), so a limit far below that keeps each change
     * publishable and each answer writable.
     */
    public static final int MAX_NESTING = 32;

    /** Last, so that its deserializers take precedence over the modules Quarkus registers (JavaTimeModule). */
    @Override
    public int priority() {
        return MINIMUM_PRIORITY;
    }

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        mapper.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        mapper.enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS);
        mapper.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        mapper.disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        mapper.configure(MapperFeature.ALLOW_COERCION_OF_SCALARS, false);
        // Nor a number or a boolean for a string, nor an empty or blank string (NUL included) for a number, a date or
        // an enum: Jackson would read "" and "\u0000" as null there.
        mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        mapper.coercionConfigDefaults().setAcceptBlankAsEmpty(false)
                .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        // A null inside a list or map of a typed field ("agent_ids": [null]) is refused, rather than reaching code
        // that expects values (free-form JSON keeps its nulls).
        mapper.setDefaultSetterInfo(JsonSetter.Value.forContentNulls(Nulls.FAIL));
        // A key given twice is ambiguous (which one does a security setting take?): refused, like any malformed JSON.
        mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        // Anything after the value ({"name": "a"} xyz, or a second value) makes the body something other than JSON.
        mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        mapper.getFactory().setStreamReadConstraints(mapper.getFactory().streamReadConstraints().rebuild()
                .maxNestingDepth(MAX_NESTING).build());
        // A character beyond the Basic Multilingual Plane (an emoji) is written as itself in UTF-8, as every other is,
        // rather than as the escaped pair of its UTF-16 surrogates (valid JSON, but the same name read two ways)
        mapper.setConfig(mapper.getSerializationConfig().with(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8));
        mapper.registerModule(StorableValues.module());
        mapper.setNodeFactory(StorableValues.nodeFactory());
    }
}
