package io.kmqtt.admin.rest;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

import java.util.Map;

import static io.restassured.RestAssured.given;

/** Requests as the bootstrap administrator or as a viewer created on first use. */
final class ApiTesting {

    static final String ADMIN_PASSWORD = "admin-pass-1";
    private static boolean viewerCreated;

    private ApiTesting() {
    }

    static RequestSpecification asAdmin() {
        return as("admin", ADMIN_PASSWORD);
    }

    static synchronized RequestSpecification asViewer() {
        if (!viewerCreated) {
            asAdmin().body(Map.of("username", "viewer1", "password", "viewer-pass-1", "role", "viewer"))
                    .post("/api/v1/admins").then().statusCode(200);
            viewerCreated = true;
        }
        return as("viewer1", "viewer-pass-1");
    }

    static RequestSpecification as(String user, String password) {
        return given().auth().preemptive().basic(user, password).contentType(ContentType.JSON);
    }
}
